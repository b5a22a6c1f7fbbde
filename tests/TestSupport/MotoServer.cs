using System.Globalization;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;

namespace Pipeline.Tests;

/// <summary>
/// A moto server on a free loopback port with the pipeline's resources created by
/// emulator/bootstrap.py from template.yaml, for tests that need real S3 and SQS APIs.
/// </summary>
public sealed class MotoServer : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private MotoServer(ChildProcess process, string endpoint, Dictionary<string, string> environment)
    {
        _process = process;
        Endpoint = endpoint;
        Environment = environment;
        S3 = new AmazonS3Client(new BasicAWSCredentials("test", "test"), new AmazonS3Config { ServiceURL = endpoint, ForcePathStyle = true, AuthenticationRegion = "us-east-1" });
    }

    /// <summary>http://127.0.0.1:port.</summary>
    public string Endpoint { get; }

    /// <summary>The standard AWS variables for this endpoint plus the functions' environment from the template.</summary>
    public Dictionary<string, string> Environment { get; }

    /// <summary>An S3 client on the server.</summary>
    public AmazonS3Client S3 { get; }

    /// <summary>The input bucket's name, from the template.</summary>
    public string InputBucket => Environment["PIPELINE_INPUT_BUCKET"];

    /// <summary>The output bucket's name, from the template.</summary>
    public string OutputBucket => Environment["PIPELINE_OUTPUT_BUCKET"];

    /// <summary>Uploads <paramref name="body"/>; returns its ETag without quotes.</summary>
    public async Task<string> PutAsync(string bucket, string key, byte[] body)
    {
        var response = await S3.PutObjectAsync(new PutObjectRequest { BucketName = bucket, Key = key, InputStream = new MemoryStream(body, writable: false) });
        return response.ETag.Trim('"');
    }

    /// <summary>Downloads an object.</summary>
    public async Task<(byte[] Bytes, GetObjectResponse Response)> GetAsync(string bucket, string key)
    {
        using var response = await S3.GetObjectAsync(bucket, key);
        using var buffer = new MemoryStream();
        await response.ResponseStream.CopyToAsync(buffer);
        return (buffer.ToArray(), response);
    }

    /// <summary>Keys under <paramref name="prefix"/> in <paramref name="bucket"/>.</summary>
    public async Task<HashSet<string>> KeysAsync(string bucket, string prefix)
    {
        var keys = new HashSet<string>(StringComparer.Ordinal);
        var request = new ListObjectsV2Request { BucketName = bucket, Prefix = prefix };
        ListObjectsV2Response page;
        do
        {
            page = await S3.ListObjectsV2Async(request);
            foreach (var o in page.S3Objects ?? [])
                keys.Add(o.Key);
            request.ContinuationToken = page.NextContinuationToken;
        }
        while (page.IsTruncated == true);
        return keys;
    }

    /// <summary>The moto process, e.g. to kill it in a fault test.</summary>
    public ChildProcess Process => _process;

    /// <summary>Starts moto and bootstraps the template's buckets and queues.</summary>
    public static async Task<MotoServer> StartAsync()
    {
        int port = Tools.FreePort();
        var endpoint = $"http://127.0.0.1:{port}";
        var environment = await TemplateEnvironment.ReadAsync();
        environment["AWS_ENDPOINT_URL"] = endpoint;
        environment["AWS_REGION"] = "us-east-1";
        environment["AWS_DEFAULT_REGION"] = "us-east-1";
        environment["AWS_ACCESS_KEY_ID"] = "test";
        environment["AWS_SECRET_ACCESS_KEY"] = "test";

        var process = ChildProcess.Start("moto", "moto_server", ["-H", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture)]);
        await Tools.WaitForHttpAsync(new Uri(endpoint), process);
        var bootstrap = await Tools.RunAsync("python3", ["emulator/bootstrap.py"], environment);
        if (bootstrap.ExitCode != 0)
        {
            process.Dispose();
            throw new InvalidOperationException("bootstrap failed: " + bootstrap.Stderr);
        }
        return new MotoServer(process, endpoint, environment);
    }

    /// <inheritdoc/>
    public ValueTask DisposeAsync()
    {
        S3.Dispose();
        _process.Dispose();
        return ValueTask.CompletedTask;
    }
}
