namespace Pipeline.Worker.Events;

/// <summary>The events the worker takes, told apart by their top-level properties.</summary>
public enum WorkerEventKind
{
    /// <summary>Neither: not an event the worker takes.</summary>
    Unknown,
    /// <summary>A batch from the SQS event source mapping (<c>Records</c>).</summary>
    Sqs,
    /// <summary>An S3 Batch Operations invocation (<c>invocationSchemaVersion</c> and <c>tasks</c>).</summary>
    BatchJob,
}
