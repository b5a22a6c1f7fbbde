namespace Pipeline.Worker.Events;

/// <summary>The result codes S3 Batch Operations reads from a task's result.</summary>
public static class BatchResultCode
{
    /// <summary>The task is done.</summary>
    public const string Succeeded = "Succeeded";

    /// <summary>The task may succeed later: S3 invokes it again.</summary>
    public const string TemporaryFailure = "TemporaryFailure";

    /// <summary>The task cannot succeed: S3 records it as failed.</summary>
    public const string PermanentFailure = "PermanentFailure";
}
