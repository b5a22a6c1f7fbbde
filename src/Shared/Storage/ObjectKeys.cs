namespace Pipeline.Storage;

/// <summary>
/// How keys relate across the buckets. A result keeps its input's key in the output bucket;
/// a failure is reported beside it as <c>&lt;key&gt;.error.json</c>; presigned uploads land
/// under <c>uploads/&lt;job id&gt;</c>.
/// </summary>
public static class ObjectKeys
{
    /// <summary>The suffix of a failure report.</summary>
    public const string ErrorSuffix = ".error.json";

    /// <summary>The prefix presigned uploads are written under.</summary>
    public const string UploadPrefix = "uploads/";

    /// <summary>The metadata key (x-amz-meta-source-etag) recording which input version a result came from.</summary>
    public const string SourceETagMetadata = "source-etag";

    /// <summary>The output key of the result for <paramref name="inputKey"/>: the same key.</summary>
    public static string Result(string inputKey) => inputKey;

    /// <summary>The output key of the failure report for <paramref name="inputKey"/>.</summary>
    public static string Error(string inputKey) => inputKey + ErrorSuffix;

    /// <summary>The input key of the upload for job <paramref name="jobId"/>.</summary>
    public static string Upload(string jobId) => UploadPrefix + jobId;

    /// <summary>ETags arrive with and without quotes (S3 events omit them, HEAD includes them).</summary>
    public static string NormalizeETag(string? etag) => (etag ?? "").Trim('"');
}
