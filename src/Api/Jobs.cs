using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Amazon.Runtime;
using Amazon.S3;
using Amazon.S3.Model;
using Pipeline.Errors;
using Pipeline.Imaging;
using Pipeline.Lambda;
using Pipeline.Storage;

namespace Pipeline.Api;

/// <summary>The body of POST /uploads.</summary>
public sealed record UploadRequest(
    [property: JsonPropertyName("contentType")] string? ContentType,
    [property: JsonPropertyName("contentLength")] long? ContentLength);

/// <summary>The 201 answer to POST /uploads.</summary>
public sealed record UploadCreated(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("upload")] UploadTicket Upload,
    [property: JsonPropertyName("status")] string Status);

/// <summary>How to upload: send exactly these headers with the PUT.</summary>
public sealed record UploadTicket(
    [property: JsonPropertyName("url")] string Url,
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("headers")] Dictionary<string, string> Headers,
    [property: JsonPropertyName("expiresAt")] DateTimeOffset ExpiresAt);

/// <summary>The body of GET /jobs/{id}.</summary>
public sealed record JobStatusBody(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("resultUrl")] string? ResultUrl = null,
    [property: JsonPropertyName("error")] ErrorDetail? Error = null);

/// <summary>
/// Presigned uploads and their jobs. A job has no table: its state is read from the buckets
/// (the result, or its .error.json, in the output bucket; the upload in the input bucket),
/// and the time in its id says whether the upload window is still open.
/// </summary>
public sealed class Jobs
{
    private static readonly Dictionary<string, ImageFormat> UploadTypes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["image/jpeg"] = ImageFormat.Jpeg,
        ["image/png"] = ImageFormat.Png,
        ["image/webp"] = ImageFormat.WebP,
        ["image/bmp"] = ImageFormat.Bmp,
        ["image/tiff"] = ImageFormat.Tiff,
    };

    private readonly IAmazonS3 _s3;
    private readonly StorageOptions _storage;
    private readonly Protocol _urlProtocol;
    private readonly TimeProvider _clock;

    /// <summary>Creates the service over <paramref name="s3"/>; URLs use http when <paramref name="aws"/> is a local http endpoint.</summary>
    public Jobs(IAmazonS3 s3, StorageOptions storage, AwsEnvironment aws, TimeProvider clock)
    {
        _s3 = s3;
        _storage = storage;
        _urlProtocol = aws.UsesHttp ? Protocol.HTTP : Protocol.HTTPS;
        _clock = clock;
    }

    /// <summary>POST /uploads: a presigned PUT for one server-generated key, content type and size pinned by the signature.</summary>
    public async Task<ApiResponse> CreateUploadAsync(ApiRequest request)
    {
        UploadRequest? body;
        try
        {
            body = JsonSerializer.Deserialize(request.Body.Span, ApiJsonContext.Web.UploadRequest);
        }
        catch (JsonException)
        {
            throw new PipelineException(ErrorCode.InvalidRequest, "The body must be JSON: {\"contentType\":\"image/jpeg\",\"contentLength\":123456}.");
        }
        if (body?.ContentType is not { } contentType || body.ContentLength is not { } length)
            throw new PipelineException(ErrorCode.InvalidRequest, "contentType and contentLength are required.");
        if (!UploadTypes.ContainsKey(contentType))
            throw new PipelineException(ErrorCode.UnsupportedMediaType, $"contentType must be one of {string.Join(", ", UploadTypes.Keys)}.");
        if (length < 1)
            throw new PipelineException(ErrorCode.InvalidRequest, "contentLength must be positive.");
        if (length > _storage.MaxObjectBytes)
            throw new PipelineException(ErrorCode.PayloadTooLarge, $"contentLength is {length} bytes; uploads are limited to {_storage.MaxObjectBytes} bytes.");

        var now = _clock.GetUtcNow();
        var id = JobId.New(now);
        var expiresAt = now + _storage.UrlExpiry;
        var presign = new GetPreSignedUrlRequest
        {
            BucketName = _storage.InputBucket,
            Key = ObjectKeys.Upload(id.Value),
            Verb = HttpVerb.PUT,
            Expires = expiresAt.UtcDateTime,
            ContentType = contentType,
            Protocol = _urlProtocol,
        };
        presign.Headers.ContentLength = length; // signed: S3 rejects a body of any other size
        var url = await _s3.GetPreSignedURLAsync(presign);

        var ticket = new UploadTicket(url, "PUT", new Dictionary<string, string>
        {
            ["Content-Type"] = contentType,
            ["Content-Length"] = length.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }, expiresAt);
        var status = request.BasePath + "/jobs/" + id.Value;
        var response = Responses.Json(201, new UploadCreated(id.Value, ticket, status), ApiJsonContext.Web.UploadCreated);
        response.Headers["Location"] = status;
        return response;
    }

    /// <summary>GET /jobs/{id}: 200 done (with a presigned GET), 422 failed, 202 pending, or 404.</summary>
    public async Task<ApiResponse> GetStatusAsync(string id, CancellationToken cancellationToken)
    {
        var (state, jobId, detail) = await ReadStateAsync(id, cancellationToken);
        return state switch
        {
            JobState.Done => Responses.Json(200, new JobStatusBody(jobId.Value, "done", ResultUrl: await ResultUrlAsync(jobId)), ApiJsonContext.Web.JobStatusBody),
            JobState.Failed => Responses.Json(422, new JobStatusBody(jobId.Value, "failed", Error: detail), ApiJsonContext.Web.JobStatusBody),
            _ => Pending(jobId),
        };
    }

    /// <summary>GET /jobs/{id}/result: 303 to a presigned GET of the result, so <c>curl -L</c> downloads it.</summary>
    public async Task<ApiResponse> GetResultAsync(string id, CancellationToken cancellationToken)
    {
        var (state, jobId, detail) = await ReadStateAsync(id, cancellationToken);
        return state switch
        {
            JobState.Done => Responses.SeeOther(await ResultUrlAsync(jobId)),
            JobState.Failed => Responses.Json(422, new JobStatusBody(jobId.Value, "failed", Error: detail), ApiJsonContext.Web.JobStatusBody),
            _ => WithRetryAfter(Responses.Error(ErrorCode.NotReady, $"Job {jobId.Value} is still pending; poll /jobs/{jobId.Value}.")),
        };
    }

    private enum JobState { Pending, Done, Failed }

    private async Task<(JobState, JobId, ErrorDetail?)> ReadStateAsync(string id, CancellationToken cancellationToken)
    {
        if (!JobId.TryParse(id, out var jobId))
            throw NotFound(id);
        var key = ObjectKeys.Upload(jobId.Value);
        if (await ExistsAsync(_storage.OutputBucket, ObjectKeys.Result(key), cancellationToken))
            return (JobState.Done, jobId, null);
        if (await ReadErrorAsync(ObjectKeys.Error(key), cancellationToken) is { } error)
            return (JobState.Failed, jobId, error);
        bool uploaded = await ExistsAsync(_storage.InputBucket, key, cancellationToken);
        bool windowOpen = _clock.GetUtcNow() <= jobId.CreatedAt + _storage.UrlExpiry;
        if (uploaded || windowOpen)
            return (JobState.Pending, jobId, null);
        throw NotFound(id);
    }

    private static PipelineException NotFound(string id) =>
        new(ErrorCode.NotFound, $"No job {id}: it does not exist, or its upload window closed without an upload.");

    private static ApiResponse Pending(JobId id) =>
        WithRetryAfter(Responses.Json(202, new JobStatusBody(id.Value, "pending"), ApiJsonContext.Web.JobStatusBody));

    private static ApiResponse WithRetryAfter(ApiResponse response)
    {
        response.Headers["Retry-After"] = "1";
        return response;
    }

    private Task<string> ResultUrlAsync(JobId id) => _s3.GetPreSignedURLAsync(new GetPreSignedUrlRequest
    {
        BucketName = _storage.OutputBucket,
        Key = ObjectKeys.Result(ObjectKeys.Upload(id.Value)),
        Verb = HttpVerb.GET,
        Expires = (_clock.GetUtcNow() + _storage.UrlExpiry).UtcDateTime,
        Protocol = _urlProtocol,
    });

    private async Task<bool> ExistsAsync(string bucket, string key, CancellationToken cancellationToken)
    {
        try
        {
            await _s3.GetObjectMetadataAsync(bucket, key, cancellationToken);
            return true;
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }
        catch (Exception e) when (IsStorageFailure(e, cancellationToken))
        {
            throw Unavailable(e);
        }
    }

    private async Task<ErrorDetail?> ReadErrorAsync(string key, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await _s3.GetObjectAsync(_storage.OutputBucket, key, cancellationToken);
            var report = await JsonSerializer.DeserializeAsync(response.ResponseStream, StorageJsonContext.Default.ErrorReport, cancellationToken);
            return report is null ? null : new ErrorDetail(report.Code, report.Message);
        }
        catch (AmazonS3Exception e) when (e.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        catch (Exception e) when (IsStorageFailure(e, cancellationToken))
        {
            throw Unavailable(e);
        }
    }

    // S3 answered with an error, could not be reached (the SDK's HttpRequestException), or did
    // not answer before the request's deadline.
    private static bool IsStorageFailure(Exception e, CancellationToken cancellationToken) =>
        e is AmazonServiceException or HttpRequestException or IOException
        || (e is OperationCanceledException && cancellationToken.IsCancellationRequested);

    private static PipelineException Unavailable(Exception e) =>
        new(ErrorCode.Unavailable, "Storage is unavailable; try again shortly.", e);
}
