namespace Pipeline.Jobs;

/// <summary>What a HEAD of a result or report object says about it.</summary>
/// <param name="Key">Its key in the output bucket.</param>
/// <param name="ETag">Its own ETag (the condition for replacing or deleting it).</param>
/// <param name="SourceStamp">Its source-key metadata; null on outputs written before it was recorded.</param>
/// <param name="SourceETag">The input version it was written for; null on a report of a transient failure.</param>
/// <param name="LastModified">When it was written.</param>
internal sealed record StoredOutput(string Key, string ETag, string? SourceStamp, string? SourceETag, DateTime LastModified)
{
    /// <summary>
    /// True when it was written for <paramref name="inputKey"/>. An output with no source-key
    /// stands where only that input's output can stand (see <see cref="ObjectKeys"/>).
    /// </summary>
    public bool BelongsTo(string inputKey) => SourceStamp is null || SourceStamp == ObjectKeys.SourceStamp(inputKey);
}
