using System.Buffers;
using System.Security.Cryptography;
using System.Text;

namespace Pipeline.Jobs;

/// <summary>
/// The storage layout of jobs, owned by <see cref="JobStore"/>: how keys relate across the
/// buckets and what each output records about its source. A result keeps its input's key in
/// the output bucket; a failure is reported beside it as <c>&lt;key&gt;.error.json</c>;
/// presigned uploads land under <c>uploads/&lt;job id&gt;</c>, or <c>uploads/&lt;owner&gt;/&lt;job id&gt;</c>
/// when a caller is identified (see <see cref="Upload"/>). Inputs whose own key ends in
/// <c>.error.json</c> are refused (they get a report of their own), so a result can never
/// stand where another input's report belongs.
/// </summary>
public static class ObjectKeys
{
    /// <summary>The suffix of a failure report.</summary>
    public const string ErrorSuffix = ".error.json";

    /// <summary>The prefix presigned uploads are written under.</summary>
    public const string UploadPrefix = "uploads/";

    /// <summary>The metadata key (x-amz-meta-source-etag) recording which input version an output came from.</summary>
    public const string SourceETagMetadata = "source-etag";

    /// <summary>The metadata key (x-amz-meta-source-key) recording which input an output belongs to (see <see cref="SourceStamp"/>).</summary>
    public const string SourceKeyMetadata = "source-key";

    /// <summary>S3's longest key, in UTF-8 bytes.</summary>
    public const int MaxKeyBytes = 1024;

    // A report key too long for S3 keeps this much of its input's key, then "~" and its whole
    // SHA-256 in hex: a shorter hash would let someone craft two long keys that share a report.
    private const int HashChars = 64;
    private const int TruncatedBytes = MaxKeyBytes - 1 - HashChars - 11; // 11 = ".error.json"
    private static readonly SearchValues<char> HexDigits = SearchValues.Create("0123456789abcdef");

    /// <summary>The output key of the result for <paramref name="inputKey"/>: the same key.</summary>
    public static string Result(string inputKey) => inputKey;

    /// <summary>
    /// The output key of the failure report for <paramref name="inputKey"/>:
    /// <c>&lt;key&gt;.error.json</c>, or, where that would pass S3's 1,024-byte limit, the key
    /// cut at a character boundary, <c>~</c> and the 64 hex digits of its SHA-256 before the
    /// suffix. A key that itself ends in <c>~</c> and 64 hex digits takes the second form too, so
    /// that no key's plain report key is another key's hashed one: two inputs never share a report key.
    /// </summary>
    public static string Error(string inputKey)
    {
        var natural = inputKey + ErrorSuffix;
        if (Encoding.UTF8.GetByteCount(natural) <= MaxKeyBytes && !EndsLikeHashed(inputKey))
            return natural;
        return Truncate(inputKey, TruncatedBytes) + "~" + Hash(inputKey) + ErrorSuffix;
    }

    /// <summary>
    /// The input key of the upload for job <paramref name="jobId"/>: <c>uploads/&lt;id&gt;</c>,
    /// or, for a job of <paramref name="owner"/>, <c>uploads/&lt;folder&gt;/&lt;id&gt;</c>, where the
    /// folder is the owner itself when it is made of letters, digits and '-' only (an API key's
    /// <c>key-&lt;id&gt;</c>: an operator can list or delete one client's uploads and results),
    /// and <c>h-</c> and 32 hex digits of its SHA-256 otherwise. Each owner's jobs lie under their
    /// own keys, so one owner's job id finds nothing for another.
    /// </summary>
    public static string Upload(JobId jobId, string? owner = null) =>
        owner is null ? UploadPrefix + jobId.Value : UploadPrefix + OwnerFolder(owner) + "/" + jobId.Value;

    /// <summary>True for a key in report form, which an input may not have (see the type's remarks).</summary>
    public static bool IsReserved(string inputKey) => inputKey.EndsWith(ErrorSuffix, StringComparison.Ordinal);

    /// <summary>
    /// What an output's source-key metadata holds for <paramref name="inputKey"/>: the key
    /// percent-encoded (S3 metadata is ASCII), or <c>sha256:</c> and its hash where the encoded
    /// key would crowd S3's 2 KB of user metadata.
    /// </summary>
    public static string SourceStamp(string inputKey)
    {
        var encoded = Uri.EscapeDataString(inputKey);
        return encoded.Length <= MaxKeyBytes ? encoded : "sha256:" + Hash(inputKey);
    }

    /// <summary>ETags arrive with and without quotes (S3 events omit them, HEAD and listings include them).</summary>
    public static string NormalizeETag(string etag) => etag.Trim('"');

    // "~" and 64 lower-case hex digits at the end: how the stem of a hashed report key ends.
    private static bool EndsLikeHashed(string key) =>
        key.Length > HashChars && key[^(HashChars + 1)] == '~' && !key.AsSpan(key.Length - HashChars).ContainsAnyExcept(HexDigits);

    private static string OwnerFolder(string owner) =>
        owner.Length is > 0 and <= 64 && !owner.StartsWith("h-", StringComparison.Ordinal) && owner.All(c => char.IsAsciiLetterOrDigit(c) || c == '-')
            ? owner
            : "h-" + Hash(owner)[..32];

    private static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static string Truncate(string text, int maxBytes)
    {
        int bytes = 0, end = 0;
        foreach (var rune in text.EnumerateRunes())
        {
            if (bytes + rune.Utf8SequenceLength > maxBytes)
                break;
            bytes += rune.Utf8SequenceLength;
            end += rune.Utf16SequenceLength;
        }
        return text[..end];
    }
}
