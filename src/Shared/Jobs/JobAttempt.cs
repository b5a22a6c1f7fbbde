namespace Pipeline.Jobs;

/// <summary>
/// A delivery the job store opened for work (see <see cref="JobStore.OpenAsync"/>): the input's
/// bytes at the version read, and what the job's outputs were when it was opened. It ends with
/// <see cref="JobStore.CompleteAsync"/> (a result) or <see cref="JobStore.RejectAsync"/> (a report).
/// </summary>
public sealed class JobAttempt
{
    internal JobAttempt(SourceObject source, string version, byte[] bytes, JobState seen)
    {
        Source = source;
        Version = version;
        Bytes = bytes;
        Seen = seen;
    }

    /// <summary>The input as the event named it.</summary>
    public SourceObject Source { get; }

    /// <summary>The version (ETag, unquoted) that was read: the event's, or the current one where it named none.</summary>
    public string Version { get; }

    /// <summary>The input's bytes at <see cref="Version"/>.</summary>
    public byte[] Bytes { get; }

    /// <summary>The job as it stood when opened: the outputs a result or report replaces.</summary>
    internal JobState Seen { get; }
}
