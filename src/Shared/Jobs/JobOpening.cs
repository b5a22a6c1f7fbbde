using System.Diagnostics.CodeAnalysis;

namespace Pipeline.Jobs;

/// <summary>
/// What opening a delivery found (see <see cref="JobStore.OpenAsync"/>): either it is over
/// already (<see cref="Outcome"/>: done before, gone, superseded, ignored, or refused with a
/// report, e.g. a key in report form or an object over the size limit), or there is work to do
/// (<see cref="Attempt"/>).
/// </summary>
public sealed class JobOpening
{
    private JobOpening(JobDelivery? outcome, JobAttempt? attempt)
    {
        Outcome = outcome;
        Attempt = attempt;
    }

    /// <summary>What became of the delivery, when it is over without work; null otherwise.</summary>
    public JobDelivery? Outcome { get; }

    /// <summary>The work to do, when there is any; null otherwise.</summary>
    public JobAttempt? Attempt { get; }

    /// <summary>True when the delivery is over without work (<see cref="Outcome"/> is set).</summary>
    [MemberNotNullWhen(true, nameof(Outcome))]
    [MemberNotNullWhen(false, nameof(Attempt))]
    public bool IsOver => Outcome is not null;

    internal static JobOpening Over(JobDelivery outcome) => new(outcome, null);

    internal static JobOpening Over(JobOutcome outcome) => new(new JobDelivery(outcome), null);

    internal static JobOpening Work(JobAttempt attempt) => new(null, attempt);
}
