namespace Pipeline.Cli.Checks;

/// <summary>Ends a check as failed or skipped; the message is what the person should do (or why it was skipped).</summary>
public sealed class CheckException : Exception
{
    private CheckException(CheckOutcome outcome, string message)
        : base(message)
    {
        Outcome = outcome;
    }

    /// <summary><see cref="CheckOutcome.Fail"/> or <see cref="CheckOutcome.Skip"/>.</summary>
    public CheckOutcome Outcome { get; }

    /// <summary>A failure; <paramref name="hint"/> says what was seen and what to do.</summary>
    public static CheckException Fail(string hint) => new(CheckOutcome.Fail, hint);

    /// <summary>A check that cannot run here, for <paramref name="reason"/>.</summary>
    public static CheckException Skip(string reason) => new(CheckOutcome.Skip, reason);
}
