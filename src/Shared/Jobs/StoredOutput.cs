namespace Pipeline.Jobs;

/// <summary>What a HEAD of a result or report object says about it.</summary>
/// <param name="Key">Its key in the output bucket.</param>
/// <param name="ETag">Its own ETag (the condition for replacing or deleting it).</param>
/// <param name="SourceStamp">Its source-key metadata; null on an object the pipeline did not write.</param>
/// <param name="SourceETag">The input version it was written for; null on a report of a transient failure.</param>
/// <param name="LastModified">When it was written.</param>
internal sealed record StoredOutput(string Key, string ETag, string? SourceStamp, string? SourceETag, DateTime LastModified)
{
    /// <summary>
    /// True when it was written for <paramref name="inputKey"/>. An object with no source-key
    /// metadata was not written by the pipeline (an operator's file, a Batch Operations
    /// manifest): it belongs to no job, and no job replaces or deletes it.
    /// </summary>
    public bool BelongsTo(string inputKey) => SourceStamp is not null && SourceStamp == ObjectKeys.SourceStamp(inputKey);
}
