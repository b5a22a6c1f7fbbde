namespace Pipeline.Errors;

/// <summary>
/// Every failure the service reports to a client. The wire name and HTTP status of each
/// are defined once, in <see cref="ErrorCodes"/>.
/// </summary>
public enum ErrorCode
{
    /// <summary>A parameter or the request shape is wrong (400).</summary>
    InvalidRequest,
    /// <summary>The request carried no body where an image was expected (400).</summary>
    EmptyBody,
    /// <summary>The body is larger than the inline limit (413).</summary>
    PayloadTooLarge,
    /// <summary>The image's header declares more pixels than allowed (413).</summary>
    TooManyPixels,
    /// <summary>The bytes are not an image format the service reads (415).</summary>
    UnsupportedMediaType,
    /// <summary>A supported format whose data is corrupt or truncated (422).</summary>
    CorruptImage,
    /// <summary>The Accept header names no format the service can produce (406).</summary>
    NotAcceptable,
    /// <summary>No credentials were presented where an API key is required (401).</summary>
    Unauthorized,
    /// <summary>The credentials presented are not valid (403).</summary>
    Forbidden,
    /// <summary>No such route, job or object (404).</summary>
    NotFound,
    /// <summary>The route exists but not for this HTTP method (405).</summary>
    MethodNotAllowed,
    /// <summary>The job's result does not exist yet (409).</summary>
    NotReady,
    /// <summary>A fault of the service itself (500); its details are never shown.</summary>
    Internal,
    /// <summary>A dependency (S3, the queue) failed or timed out (503).</summary>
    Unavailable,
}

/// <summary>The single map from <see cref="ErrorCode"/> to wire name and HTTP status.</summary>
public static class ErrorCodes
{
    /// <summary>The snake_case name used in JSON error bodies and .error.json files.</summary>
    public static string Name(ErrorCode code) => code switch
    {
        ErrorCode.InvalidRequest => "invalid_request",
        ErrorCode.EmptyBody => "empty_body",
        ErrorCode.PayloadTooLarge => "payload_too_large",
        ErrorCode.TooManyPixels => "too_many_pixels",
        ErrorCode.UnsupportedMediaType => "unsupported_media_type",
        ErrorCode.CorruptImage => "corrupt_image",
        ErrorCode.NotAcceptable => "not_acceptable",
        ErrorCode.Unauthorized => "unauthorized",
        ErrorCode.Forbidden => "forbidden",
        ErrorCode.NotFound => "not_found",
        ErrorCode.MethodNotAllowed => "method_not_allowed",
        ErrorCode.NotReady => "not_ready",
        ErrorCode.Unavailable => "unavailable",
        _ => "internal_error",
    };

    /// <summary>The HTTP status a client receives for the code.</summary>
    public static int HttpStatus(ErrorCode code) => code switch
    {
        ErrorCode.InvalidRequest or ErrorCode.EmptyBody => 400,
        ErrorCode.Unauthorized => 401,
        ErrorCode.Forbidden => 403,
        ErrorCode.NotFound => 404,
        ErrorCode.MethodNotAllowed => 405,
        ErrorCode.NotAcceptable => 406,
        ErrorCode.NotReady => 409,
        ErrorCode.PayloadTooLarge or ErrorCode.TooManyPixels => 413,
        ErrorCode.UnsupportedMediaType => 415,
        ErrorCode.CorruptImage => 422,
        ErrorCode.Unavailable => 503,
        _ => 500,
    };

    /// <summary>
    /// True when retrying the same input cannot succeed: the worker records these as
    /// .error.json instead of letting the message be redelivered.
    /// </summary>
    public static bool IsPermanent(ErrorCode code) => code is not (ErrorCode.Internal or ErrorCode.Unavailable);
}
