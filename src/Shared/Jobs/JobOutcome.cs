namespace Pipeline.Jobs;

/// <summary>What became of one delivery of one input version (logged, and counted in metrics).</summary>
public enum JobOutcome
{
    /// <summary>A grayscale result was written.</summary>
    Converted,
    /// <summary>A result or a final report for this version already existed (a repeated delivery).</summary>
    AlreadyDone,
    /// <summary>The input cannot be processed; an .error.json report was written.</summary>
    Rejected,
    /// <summary>The object was overwritten after the event; the newer version's own event handles it.</summary>
    Superseded,
    /// <summary>The object no longer exists; nothing to do.</summary>
    Gone,
    /// <summary>The key names no image (a folder marker); nothing to do.</summary>
    Ignored,
    /// <summary>
    /// Objects the pipeline did not write stand at both the result and the report key: nothing
    /// was written, nothing was touched, and the job cannot say so (the delivery fails instead).
    /// </summary>
    Blocked,
}
