using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Pipeline.Api.Gateway;
using Pipeline.Errors;

namespace Pipeline.Api;

/// <summary>
/// Builds every response the API sends, so headers and the error shape are set in one place.
/// Every answer with a body carries <c>X-Content-Type-Options: nosniff</c>,
/// <c>Referrer-Policy: no-referrer</c> and a Content-Security-Policy: the page's files their
/// own (<see cref="Web.WebPage.ContentSecurityPolicy"/>), every other answer (JSON, images,
/// redirects) <see cref="DataPolicy"/>.
/// </summary>
public static class Responses
{
    /// <summary>
    /// The policy of answers that are data, not documents. Should a browser ever render one (a
    /// result opened in a tab, a JSON error sniffed despite nosniff), <c>sandbox</c> gives it an
    /// opaque origin with no scripts, forms, plugins or pop-ups: it can run nothing and reach
    /// nothing of the service's origin (where the page keeps its API key). Browsers ignore it where
    /// a script fetches the answer, which is how the API is used. It has no quoted keywords, so
    /// API Gateway's own answers (static header values, themselves quoted) carry it unchanged.
    /// </summary>
    public const string DataPolicy = "sandbox";

    /// <summary>A JSON body serialised with the API's source-generated context.</summary>
    public static ApiResponse Json<T>(int status, T body, JsonTypeInfo<T> type) => new()
    {
        StatusCode = status,
        Headers = Headers("application/json"),
        Body = JsonSerializer.SerializeToUtf8Bytes(body, type),
    };

    /// <summary>The one mapping from a <see cref="PipelineException"/> to an HTTP response.</summary>
    public static ApiResponse Error(PipelineException error) =>
        Error(error.Code, error.Message);

    /// <summary>An error response for <paramref name="code"/>.</summary>
    public static ApiResponse Error(ErrorCode code, string message) =>
        Json(ErrorCodes.HttpStatus(code), new ErrorBody(new ErrorDetail(ErrorCodes.Name(code), message)), ApiJsonContext.Web.ErrorBody);

    /// <summary>A 500 that tells the client nothing of the cause.</summary>
    public static ApiResponse InternalError() =>
        Error(ErrorCode.Internal, "The service failed to handle the request. It has been logged; try again later.");

    /// <summary>A binary image body.</summary>
    public static ApiResponse Image(byte[] bytes, string mediaType) => new()
    {
        StatusCode = 200,
        Headers = Headers(mediaType),
        Body = bytes,
        IsBinary = true,
    };

    /// <summary>A redirect (303 See Other) to <paramref name="location"/>.</summary>
    public static ApiResponse SeeOther(string location)
    {
        var headers = Headers("application/json");
        headers["Location"] = location;
        return new ApiResponse { StatusCode = 303, Headers = headers, Body = "{}"u8.ToArray() };
    }

    /// <summary>
    /// A file of the web page: binary on the wire (bytes pass API Gateway unchanged), with its
    /// own caching and the page's Content-Security-Policy.
    /// </summary>
    public static ApiResponse PageFile(byte[] bytes, string contentType, string cacheControl, string contentSecurityPolicy)
    {
        var headers = PageHeaders(contentType, cacheControl, contentSecurityPolicy);
        return new ApiResponse { StatusCode = 200, Headers = headers, Body = bytes, IsBinary = true };
    }

    /// <summary>304 Not Modified for a page file the browser already holds as <paramref name="etag"/>.</summary>
    public static ApiResponse NotModified(string etag, string cacheControl, string contentSecurityPolicy)
    {
        var headers = PageHeaders("text/html; charset=utf-8", cacheControl, contentSecurityPolicy);
        headers["ETag"] = etag;
        return new ApiResponse { StatusCode = 304, Headers = headers };
    }

    private static Dictionary<string, string> PageHeaders(string contentType, string cacheControl, string contentSecurityPolicy)
    {
        var headers = Headers(contentType);
        headers["Cache-Control"] = cacheControl;
        headers["Content-Security-Policy"] = contentSecurityPolicy;
        return headers;
    }

    private static Dictionary<string, string> Headers(string contentType) => new(StringComparer.OrdinalIgnoreCase)
    {
        ["Content-Type"] = contentType,
        ["X-Content-Type-Options"] = "nosniff",
        // Every answer depends on the request's body or on a job's changing state.
        ["Cache-Control"] = "no-store",
        ["Content-Security-Policy"] = DataPolicy,
        // Presigned URLs and job ids never leave in a Referer (a 303 to a result sets the policy of the request it redirects).
        ["Referrer-Policy"] = "no-referrer",
    };
}
