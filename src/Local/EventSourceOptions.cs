namespace Pipeline.Local;

/// <summary>Settings of the local event source mapping.</summary>
public sealed record EventSourceOptions
{
    /// <summary>Messages per invocation: the template's BatchSize of the worker's SQS event.</summary>
    public required int BatchSize { get; init; }

    /// <summary>Concurrent pollers, each invoking the function with its own batches.</summary>
    public int Pollers { get; init; } = 2;

    /// <summary>
    /// Long-poll wait. Lambda's pollers wait 20 s; locally a shorter wait bounds how long a
    /// stop takes, since a poll in flight is always finished (see <see cref="SqsEventSource"/>).
    /// </summary>
    public int WaitTimeSeconds { get; init; } = 5;

    /// <summary>The worker function's timeout in the template, handed to each invocation as its deadline.</summary>
    public required TimeSpan FunctionTimeout { get; init; }

    /// <summary>
    /// Overrides the queue's visibility timeout on receive, so a local run (or a test) sees
    /// failed or abandoned messages again sooner; null keeps the queue's own setting, as Lambda does.
    /// </summary>
    public TimeSpan? VisibilityTimeout { get; init; }
}
