using Pipeline.Errors;

namespace Pipeline.Cli.Storage;

/// <summary>An <c>s3://bucket/prefix</c> argument.</summary>
/// <param name="Bucket">The bucket.</param>
/// <param name="Prefix">The key prefix, possibly empty.</param>
public sealed record S3Location(string Bucket, string Prefix)
{
    /// <summary>Parses <c>s3://bucket</c> or <c>s3://bucket/prefix</c>; throws <see cref="ErrorCode.InvalidRequest"/> otherwise.</summary>
    public static S3Location Parse(string text)
    {
        const string scheme = "s3://";
        if (!text.StartsWith(scheme, StringComparison.Ordinal) || text.Length == scheme.Length || text[scheme.Length] == '/')
            throw new PipelineException(ErrorCode.InvalidRequest, $"'{text}' is not an s3://bucket/prefix location.");
        var rest = text[scheme.Length..];
        int slash = rest.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? new S3Location(rest, "") : new S3Location(rest[..slash], rest[(slash + 1)..]);
    }
}
