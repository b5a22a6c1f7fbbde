namespace Pipeline.Jobs;

/// <summary>Where a job stands.</summary>
public enum JobStatus
{
    /// <summary>No result or report for the input's current version yet.</summary>
    Pending,
    /// <summary>A grayscale result exists for the input's current version.</summary>
    Done,
    /// <summary>A failure report exists: the input cannot be converted, or processing gave up.</summary>
    Failed,
}
