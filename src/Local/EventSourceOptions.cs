namespace Pipeline.Local;

/// <summary>Settings of the local event source mapping.</summary>
public sealed record EventSourceOptions
{
    /// <summary>Messages per invocation, as the mapping's BatchSize (Lambda's default: 10).</summary>
    public int BatchSize { get; init; } = 10;

    /// <summary>Concurrent pollers, each invoking the function with its own batches.</summary>
    public int Pollers { get; init; } = 2;

    /// <summary>
    /// Long-poll wait. Lambda's pollers wait 20 s; locally a shorter wait bounds how long a
    /// stop takes, since a poll in flight is always finished (see <see cref="SqsEventSource"/>).
    /// </summary>
    public int WaitTimeSeconds { get; init; } = 5;

    /// <summary>The function timeout handed to each invocation as its deadline.</summary>
    public TimeSpan FunctionTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Overrides the queue's visibility timeout on receive, so a local run (or a test) sees
    /// failed or abandoned messages again sooner; null keeps the queue's own setting, as Lambda does.
    /// </summary>
    public TimeSpan? VisibilityTimeout { get; init; }
}
