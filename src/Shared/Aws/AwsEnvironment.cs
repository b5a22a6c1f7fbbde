using System.Globalization;
using System.Text;
using Amazon;
using Amazon.Runtime;
using Amazon.S3;

namespace Pipeline.Aws;

/// <summary>
/// Everything the AWS clients take from the environment, read in one place from the standard
/// variables: AWS_ENDPOINT_URL (every service) and AWS_ENDPOINT_URL_S3 (S3 alone, as the AWS
/// SDKs and CLI read it), AWS_REGION or AWS_DEFAULT_REGION, and AWS_ACCESS_KEY_ID,
/// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN. Every client built here uses exactly these:
/// keys that were given are the keys that sign, so a caller that passes its own variables gets
/// nothing from the process or from <c>~/.aws</c>. Only where no keys are given does the SDK's
/// default chain decide (on Lambda, the function's role).
/// </summary>
/// <param name="EndpointUrl">AWS_ENDPOINT_URL: a custom endpoint for every service, e.g. http://127.0.0.1:4566, or null for AWS.</param>
/// <param name="Region">The region, or null for the SDK's own resolution.</param>
/// <param name="S3EndpointUrl">AWS_ENDPOINT_URL_S3: S3's own endpoint where it differs from <paramref name="EndpointUrl"/>; never used for other services.</param>
/// <param name="Credentials">The keys given in the variables, or null for the SDK's default credential chain.</param>
public sealed record AwsEnvironment(Uri? EndpointUrl, string? Region, Uri? S3EndpointUrl = null, AWSCredentials? Credentials = null)
{
    /// <summary>Reads the standard variables through <paramref name="read"/> (the process environment when null).</summary>
    public static AwsEnvironment FromEnvironment(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        return new AwsEnvironment(
            Endpoint(read, "AWS_ENDPOINT_URL"),
            NonEmpty(read("AWS_REGION")) ?? NonEmpty(read("AWS_DEFAULT_REGION")),
            Endpoint(read, "AWS_ENDPOINT_URL_S3"),
            Keys(read));
    }

    /// <summary>
    /// The environment's text (a record's, as a debugger or a log line would show it) says
    /// whether keys were given, never what they are, whatever the credentials' own type prints.
    /// </summary>
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append(CultureInfo.InvariantCulture, $"EndpointUrl = {EndpointUrl}, Region = {Region}, S3EndpointUrl = {S3EndpointUrl}, ");
        builder.Append(Credentials is null ? "Credentials = the SDK's default chain" : "Credentials = given");
        return true;
    }

    /// <summary>True when S3 URLs handed to clients (presigned ones) must be plain http (a local emulator).</summary>
    public bool UsesHttp => S3Endpoint?.Scheme == Uri.UriSchemeHttp;

    /// <summary>Where S3 requests go: S3's own endpoint, else the common one; null for AWS.</summary>
    private Uri? S3Endpoint => S3EndpointUrl ?? EndpointUrl;

    /// <summary>
    /// An S3 client for this environment. A custom endpoint gets path-style addressing, since
    /// bucket subdomains of 127.0.0.1 do not resolve.
    /// </summary>
    public AmazonS3Client CreateS3Client(int maxAttempts = 4)
    {
        var config = Configure(new AmazonS3Config { Timeout = TimeSpan.FromSeconds(30) }, S3Endpoint, maxAttempts);
        config.ForcePathStyle = S3Endpoint is not null;
        return new AmazonS3Client(config);
    }

    /// <summary>Points the configuration of any other service's client at AWS_ENDPOINT_URL (or AWS), the region and the credentials.</summary>
    public T Configure<T>(T config, int maxAttempts = 4)
        where T : ClientConfig => Configure(config, EndpointUrl, maxAttempts);

    // Retries use the SDK's standard mode (exponential backoff with jitter).
    private T Configure<T>(T config, Uri? endpoint, int maxAttempts)
        where T : ClientConfig
    {
        config.RetryMode = RequestRetryMode.Standard;
        config.MaxErrorRetry = maxAttempts - 1;
        if (Credentials is not null)
            config.DefaultAWSCredentials = Credentials; // replaces the default chain for this client
        if (endpoint is not null)
        {
            config.ServiceURL = endpoint.ToString();
            config.AuthenticationRegion = Region ?? "us-east-1";
        }
        else if (Region is not null)
        {
            config.RegionEndpoint = RegionEndpoint.GetBySystemName(Region);
        }
        return config;
    }

    private static AWSCredentials? Keys(Func<string, string?> read)
    {
        var accessKey = NonEmpty(read("AWS_ACCESS_KEY_ID"));
        var secretKey = NonEmpty(read("AWS_SECRET_ACCESS_KEY"));
        if (accessKey is null && secretKey is null)
            return null;
        if (accessKey is null || secretKey is null)
            throw new InvalidOperationException("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together.");
        return NonEmpty(read("AWS_SESSION_TOKEN")) is { } token
            ? new SessionAWSCredentials(accessKey, secretKey, token)
            : new BasicAWSCredentials(accessKey, secretKey);
    }

    private static Uri? Endpoint(Func<string, string?> read, string name)
    {
        if (NonEmpty(read(name)) is not { } text)
            return null;
        return Uri.TryCreate(text, UriKind.Absolute, out var uri) ? uri : throw new InvalidOperationException($"{name} must be an absolute URL, not '{text}'.");
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
