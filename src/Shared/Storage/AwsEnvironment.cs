using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace Pipeline.Storage;

/// <summary>
/// Where the AWS clients connect, from the standard variables only: AWS_ENDPOINT_URL (or the
/// service-specific AWS_ENDPOINT_URL_S3), AWS_REGION or AWS_DEFAULT_REGION, and the SDK's
/// default credential chain. Unset endpoint = real AWS; set = LocalStack, moto or any
/// S3-compatible endpoint, with no code change.
/// </summary>
/// <param name="EndpointUrl">A custom endpoint, e.g. http://127.0.0.1:4566, or null for AWS.</param>
/// <param name="Region">The region, or null for the SDK's own resolution.</param>
public sealed record AwsEnvironment(Uri? EndpointUrl, string? Region)
{
    /// <summary>Reads the standard variables.</summary>
    public static AwsEnvironment FromEnvironment(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        var endpoint = NonEmpty(read("AWS_ENDPOINT_URL_S3")) ?? NonEmpty(read("AWS_ENDPOINT_URL"));
        Uri? uri = null;
        if (endpoint is not null && !Uri.TryCreate(endpoint, UriKind.Absolute, out uri))
            throw new InvalidOperationException($"AWS_ENDPOINT_URL must be an absolute URL, not '{endpoint}'.");
        return new AwsEnvironment(uri, NonEmpty(read("AWS_REGION")) ?? NonEmpty(read("AWS_DEFAULT_REGION")));
    }

    /// <summary>True when URLs handed to clients must be plain http (a local emulator).</summary>
    public bool UsesHttp => EndpointUrl?.Scheme == Uri.UriSchemeHttp;

    /// <summary>
    /// An S3 client for this environment. A custom endpoint gets path-style addressing, since
    /// bucket subdomains of 127.0.0.1 do not resolve. Retries use the SDK's standard mode
    /// (exponential backoff with jitter).
    /// </summary>
    public AmazonS3Client CreateS3Client(int maxAttempts = 4)
    {
        var config = new AmazonS3Config
        {
            RetryMode = RequestRetryMode.Standard,
            MaxErrorRetry = maxAttempts - 1,
            Timeout = TimeSpan.FromSeconds(30),
        };
        if (EndpointUrl is not null)
        {
            config.ServiceURL = EndpointUrl.ToString();
            config.ForcePathStyle = true;
            config.AuthenticationRegion = Region ?? "us-east-1";
        }
        else if (Region is not null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(Region);
        }
        return new AmazonS3Client(config);
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
