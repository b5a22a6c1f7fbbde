namespace Pipeline.Lambda;

/// <summary>One invocation received from the Runtime API.</summary>
/// <param name="RequestId">Lambda-Runtime-Aws-Request-Id.</param>
/// <param name="Deadline">Lambda-Runtime-Deadline-Ms, as a point in time.</param>
/// <param name="TraceId">Lambda-Runtime-Trace-Id (X-Ray), when present.</param>
/// <param name="Payload">The event JSON.</param>
public sealed record Invocation(string RequestId, DateTimeOffset Deadline, string? TraceId, byte[] Payload)
{
    /// <summary>Time left before Lambda stops the invocation.</summary>
    public TimeSpan RemainingTime(TimeProvider clock) => Deadline - clock.GetUtcNow();

    /// <summary>
    /// A token that fires <paramref name="margin"/> before the deadline (or with
    /// <paramref name="cancellationToken"/>), so work can give up and still answer in time.
    /// </summary>
    public CancellationTokenSource CancelBeforeDeadline(TimeProvider clock, TimeSpan margin, CancellationToken cancellationToken)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var remaining = RemainingTime(clock) - margin;
        source.CancelAfter(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
        return source;
    }
}
