using System.Text.Json;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Pipeline.Jobs;
using Microsoft.AspNetCore.Http;

namespace Pipeline.Local;

/// <summary>
/// The local API host's readiness answer, <c>GET /_local/ready</c>: 200 when both buckets answer
/// through the API's own storage settings, else 503 naming what does not. The API's own
/// <c>/health</c> stays a constant answer that touches nothing (deployed, API Gateway answers it
/// without a function, and anyone may call it); this one makes storage calls on each request, so
/// it exists only in front of the local host, at a path outside the API's routes.
/// </summary>
public sealed class StorageReadiness
{
    /// <summary>Where the local host answers it.</summary>
    public const string Path = "/_local/ready";

    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);

    private readonly IAmazonS3 _s3;
    private readonly string _endpoint;
    private readonly string[] _buckets;

    /// <summary>Checks <paramref name="buckets"/> through <paramref name="s3"/> (whose endpoint <paramref name="endpoint"/> names).</summary>
    public StorageReadiness(IAmazonS3 s3, string endpoint, params string[] buckets)
    {
        _s3 = s3;
        _endpoint = endpoint;
        _buckets = buckets;
    }

    /// <summary>Answers the request with the state of each bucket.</summary>
    public async Task HandleAsync(HttpContext http)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted);
        timeout.CancelAfter(CheckTimeout);
        var states = await Task.WhenAll(_buckets.Select(b => StateAsync(b, timeout.Token)));
        bool ready = states.All(s => s == "ok");

        var response = http.Response;
        response.StatusCode = ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
        response.ContentType = "application/json";
        response.Headers.CacheControl = "no-store";
        await using var json = new Utf8JsonWriter(response.Body);
        json.WriteStartObject();
        json.WriteString("status", ready ? "ready" : "not ready");
        json.WriteStartObject("storage");
        json.WriteString("endpoint", _endpoint);
        for (int i = 0; i < _buckets.Length; i++)
            json.WriteString(_buckets[i], states[i]);
        json.WriteEndObject();
        json.WriteEndObject();
    }

    private async Task<string> StateAsync(string bucket, CancellationToken cancellationToken)
    {
        try
        {
            // A listing of uploads/, the one the API function's role may make on either bucket
            // (a HEAD of the bucket would need a grant the deployed function does not have).
            await _s3.ListObjectsV2Async(new ListObjectsV2Request { BucketName = bucket, Prefix = ObjectKeys.UploadPrefix, MaxKeys = 1 }, cancellationToken);
            return "ok";
        }
        catch (AmazonS3Exception e) when (e.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            return "missing (emulator/bootstrap.py creates it)";
        }
        catch (Exception e) when (e is AmazonServiceException or HttpRequestException or IOException or OperationCanceledException)
        {
            return $"unreachable ({e.GetType().Name}: {e.Message})";
        }
    }
}
