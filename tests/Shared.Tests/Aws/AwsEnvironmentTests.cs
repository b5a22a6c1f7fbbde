using System.Net;
using System.Text;
using Amazon.Runtime;
using Amazon.S3;
using Pipeline.Aws;

namespace Pipeline.Tests.Aws;

public sealed class AwsEnvironmentTests
{
    private static Func<string, string?> Variables(params (string Name, string Value)[] set) =>
        name => set.FirstOrDefault(v => v.Name == name).Value;

    [Fact]
    public void The_s3_endpoint_applies_to_s3_alone()
    {
        var aws = AwsEnvironment.FromEnvironment(Variables(
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
            ("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:4999"),
            ("AWS_REGION", "eu-west-1")));

        // Other services' clients (the local queue poller's) are built from EndpointUrl.
        Assert.Equal(new Uri("http://127.0.0.1:4566"), aws.EndpointUrl);
        using var s3 = aws.CreateS3Client();
        Assert.StartsWith("http://127.0.0.1:4999", s3.Config.ServiceURL, StringComparison.Ordinal);
        Assert.Equal("eu-west-1", s3.Config.AuthenticationRegion);
    }

    [Fact]
    public void Without_an_s3_endpoint_s3_uses_the_common_one()
    {
        var aws = AwsEnvironment.FromEnvironment(Variables(("AWS_ENDPOINT_URL", "http://127.0.0.1:4566")));

        using var s3 = aws.CreateS3Client();
        Assert.StartsWith("http://127.0.0.1:4566", s3.Config.ServiceURL, StringComparison.Ordinal);
        Assert.True(((Amazon.S3.AmazonS3Config)s3.Config).ForcePathStyle);
        Assert.True(aws.UsesHttp);
    }

    [Fact]
    public void Presigned_urls_follow_the_s3_endpoints_scheme()
    {
        var aws = AwsEnvironment.FromEnvironment(Variables(
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"),
            ("AWS_ENDPOINT_URL_S3", "https://s3.example.test")));

        Assert.False(aws.UsesHttp);
    }

    [Fact]
    public void No_endpoint_means_aws_itself()
    {
        var aws = AwsEnvironment.FromEnvironment(Variables(("AWS_DEFAULT_REGION", "us-west-2")));

        Assert.Null(aws.EndpointUrl);
        Assert.False(aws.UsesHttp);
        using var s3 = aws.CreateS3Client();
        Assert.Null(s3.Config.ServiceURL);
        Assert.Equal("us-west-2", s3.Config.RegionEndpoint?.SystemName);
    }

    [Theory]
    [InlineData("AWS_ENDPOINT_URL")]
    [InlineData("AWS_ENDPOINT_URL_S3")]
    public void A_relative_endpoint_is_refused_naming_the_variable(string name)
    {
        var error = Assert.Throws<InvalidOperationException>(() => AwsEnvironment.FromEnvironment(Variables((name, "127.0.0.1 port 4566"))));
        Assert.Contains(name + " must be an absolute URL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Clients_sign_with_the_keys_given_and_no_others()
    {
        // Whatever the process environment or ~/.aws hold, a client built from an explicit
        // set of variables signs with those variables' keys.
        int port = Tools.FreePort();
        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        listener.Start();
        var captured = Task.Run(async () =>
        {
            var context = await listener.GetContextAsync();
            var authorization = context.Request.Headers["Authorization"] ?? "";
            var body = Encoding.UTF8.GetBytes("<ListAllMyBucketsResult><Buckets></Buckets></ListAllMyBucketsResult>");
            context.Response.ContentType = "application/xml";
            await context.Response.OutputStream.WriteAsync(body);
            context.Response.Close();
            return authorization;
        });
        var aws = AwsEnvironment.FromEnvironment(Variables(
            ("AWS_ENDPOINT_URL", $"http://127.0.0.1:{port}"),
            ("AWS_ACCESS_KEY_ID", "PIPELINE-GIVEN-KEY-ID"),
            ("AWS_SECRET_ACCESS_KEY", "given-secret")));

        using var s3 = aws.CreateS3Client(maxAttempts: 1);
        await s3.ListBucketsAsync();

        Assert.Contains("Credential=PIPELINE-GIVEN-KEY-ID/", await captured, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_client_configuration_carries_the_given_keys_and_session_token()
    {
        var aws = AwsEnvironment.FromEnvironment(Variables(
            ("AWS_ACCESS_KEY_ID", "PIPELINE-GIVEN-KEY-ID"),
            ("AWS_SECRET_ACCESS_KEY", "given-secret"),
            ("AWS_SESSION_TOKEN", "given-token")));

        var config = aws.Configure(new AmazonS3Config());

        var keys = config.DefaultAWSCredentials!.GetCredentials();
        Assert.Equal("PIPELINE-GIVEN-KEY-ID", keys.AccessKey);
        Assert.Equal("given-token", keys.Token);
    }

    [Fact]
    public void Without_keys_the_sdks_default_chain_decides()
    {
        // On Lambda: the function's role.
        var aws = AwsEnvironment.FromEnvironment(Variables(("AWS_REGION", "us-east-1")));

        Assert.Null(aws.Credentials);
        Assert.Null(aws.Configure(new AmazonS3Config()).DefaultAWSCredentials);
    }

    [Theory]
    [InlineData("AWS_ACCESS_KEY_ID")]
    [InlineData("AWS_SECRET_ACCESS_KEY")]
    public void Half_a_key_pair_is_refused(string name)
    {
        var error = Assert.Throws<InvalidOperationException>(() => AwsEnvironment.FromEnvironment(Variables((name, "x"))));
        Assert.Contains("must be set together", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keys_never_appear_in_the_environments_text()
    {
        // Credentials whose own text is their keys: the environment's text must not pass it on.
        var aws = AwsEnvironment.FromEnvironment(Variables(("AWS_ENDPOINT_URL", "http://127.0.0.1:4566"), ("AWS_REGION", "eu-west-1")))
            with { Credentials = new TalkativeCredentials() };

        var text = aws.ToString();

        Assert.DoesNotContain(TalkativeCredentials.AccessKey, text, StringComparison.Ordinal);
        Assert.DoesNotContain(TalkativeCredentials.SecretKey, text, StringComparison.Ordinal);
        Assert.Equal("AwsEnvironment { EndpointUrl = http://127.0.0.1:4566/, Region = eu-west-1, S3EndpointUrl = , Credentials = given }", text);
        Assert.Contains("Credentials = the SDK's default chain", (aws with { Credentials = null }).ToString(), StringComparison.Ordinal);
    }

    private sealed class TalkativeCredentials : AWSCredentials
    {
        public const string AccessKey = "PIPELINE-GIVEN-KEY-ID";
        public const string SecretKey = "given-secret";

        public override ImmutableCredentials GetCredentials() => new(AccessKey, SecretKey, null);

        public override string ToString() => $"{AccessKey}:{SecretKey}";
    }
}
