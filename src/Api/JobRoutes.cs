using System.Text.Json;
using Pipeline.Api.Gateway;
using Pipeline.Errors;
using Pipeline.Jobs;

namespace Pipeline.Api;

/// <summary>
/// The HTTP face of presigned uploads and their jobs: POST /uploads, GET /jobs/{id} and
/// GET /jobs/{id}/result. Job state is read through the <see cref="JobStore"/>; this class only
/// parses requests and maps a job's state to HTTP, in one place (<see cref="Answer"/>).
/// </summary>
public sealed class JobRoutes
{
    private static readonly IReadOnlyList<string> UploadTypes =
        ["image/jpeg", "image/png", "image/webp", "image/bmp", "image/tiff", "image/heic", "image/heif", "image/avif", "image/jxl"];

    private readonly JobStore _store;
    private readonly TimeProvider _clock;

    /// <summary>Creates the routes over <paramref name="store"/>.</summary>
    public JobRoutes(JobStore store, TimeProvider clock)
    {
        _store = store;
        _clock = clock;
    }

    /// <summary>Where the presigned URLs handed out point (see <see cref="JobStore.PresignedUrlOriginsAsync"/>).</summary>
    public Task<IReadOnlyList<string>> StorageOriginsAsync() => _store.PresignedUrlOriginsAsync();

    /// <summary>POST /uploads: a presigned PUT for one server-generated key, content type and size pinned by the signature.</summary>
    public async Task<ApiResponse> CreateUploadAsync(ApiRequest request, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken)
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
        if (!UploadTypes.Contains(contentType, StringComparer.OrdinalIgnoreCase))
            throw new PipelineException(ErrorCode.UnsupportedMediaType, $"contentType must be one of {string.Join(", ", UploadTypes)}.");
        if (length < 1)
            throw new PipelineException(ErrorCode.InvalidRequest, "contentLength must be positive.");
        if (length > _store.Storage.MaxObjectBytes)
            throw new PipelineException(ErrorCode.PayloadTooLarge, $"contentLength is {length} bytes; uploads are limited to {_store.Storage.MaxObjectBytes} bytes.");

        var now = _clock.GetUtcNow();
        var id = JobId.New(now, request.Caller);
        var upload = await _store.PresignUploadAsync(id, contentType, length, request.Caller);
        var ticket = new UploadTicket(upload.Url, "PUT", new Dictionary<string, string>(upload.Headers), upload.ExpiresAt);
        var status = StatusPath(request, id);
        var response = Responses.Json(201, new UploadCreated(id.Value, ticket, status), ApiJsonContext.Web.UploadCreated);
        response.Headers["Location"] = status;
        return response;
    }

    /// <summary>
    /// GET /jobs/{id}: 200 done (with a presigned GET), 422 failed (503 when the service gave up),
    /// 202 pending, or 404: also for a job another caller created, so an id tells a stranger
    /// nothing, not even that it exists.
    /// </summary>
    public async Task<ApiResponse> GetStatusAsync(ApiRequest request, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken)
    {
        var (id, state) = await ReadAsync(request, values["id"], cancellationToken);
        return await Answer(request, id, state, JobView.Status);
    }

    /// <summary>GET /jobs/{id}/result: 303 to a presigned GET of the result, so <c>curl -L</c> downloads it.</summary>
    public async Task<ApiResponse> GetResultAsync(ApiRequest request, IReadOnlyDictionary<string, string> values, CancellationToken cancellationToken)
    {
        var (id, state) = await ReadAsync(request, values["id"], cancellationToken);
        return await Answer(request, id, state, JobView.Result);
    }

    private enum JobView { Status, Result }

    private async Task<(JobId Id, JobState State)> ReadAsync(ApiRequest request, string text, CancellationToken cancellationToken)
    {
        if (!JobId.TryParse(text, out var id) || await _store.ReadUploadAsync(id, request.Caller, cancellationToken) is not { } state)
            throw new PipelineException(ErrorCode.NotFound, $"No job {text}: it does not exist, or its upload window closed without an upload.");
        return (id, state);
    }

    /// <summary>The one mapping from a job's state to HTTP.</summary>
    private async Task<ApiResponse> Answer(ApiRequest request, JobId id, JobState state, JobView view) => (state.Status, view) switch
    {
        (JobStatus.Done, JobView.Status) => Responses.Json(200, new JobStatusBody(id.Value, "done", ResultUrl: await _store.PresignResultAsync(state)), ApiJsonContext.Web.JobStatusBody),
        (JobStatus.Done, JobView.Result) => Responses.SeeOther(await _store.PresignResultAsync(state)),
        (JobStatus.Failed, _) => Responses.Json(ErrorCodes.FailedJobStatus(servicesFault: state.FailedTransiently), new JobStatusBody(id.Value, "failed", Error: state.Error), ApiJsonContext.Web.JobStatusBody),
        (_, JobView.Status) => WithRetryAfter(Responses.Json(202, new JobStatusBody(id.Value, "pending"), ApiJsonContext.Web.JobStatusBody)),
        _ => WithRetryAfter(Responses.Error(ErrorCode.NotReady, $"Job {id.Value} is still pending; poll {StatusPath(request, id)}.")),
    };

    /// <summary>The job's status path as the client can call it: under the stage it called, e.g. /Prod/jobs/{id}.</summary>
    private static string StatusPath(ApiRequest request, JobId id) => request.BasePath + "/jobs/" + id.Value;

    private static ApiResponse WithRetryAfter(ApiResponse response)
    {
        response.Headers["Retry-After"] = "1";
        return response;
    }
}
