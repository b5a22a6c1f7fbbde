namespace Pipeline.Jobs;

/// <summary>
/// One version of an input object, as an event names it: the key already URL-decoded, the
/// ETag unquoted, or null when the event names no version (an S3 Batch Operations task: then
/// the current version is read).
/// </summary>
/// <param name="Bucket">The bucket it was written to.</param>
/// <param name="Key">The decoded key.</param>
/// <param name="ETag">The ETag the event reported (unquoted), or null.</param>
/// <param name="Size">The size the event reported.</param>
/// <param name="EventTime">When S3 recorded the upload, when the event says (for end-to-end latency).</param>
public sealed record SourceObject(string Bucket, string Key, string? ETag, long Size, DateTimeOffset? EventTime = null);
