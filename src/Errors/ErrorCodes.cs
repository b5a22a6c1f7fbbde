namespace Pipeline.Errors;

/// <summary>The single map from <see cref="ErrorCode"/> to wire name and HTTP status, a failed job's included.</summary>
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
        ErrorCode.TooExpensive => "too_expensive",
        ErrorCode.NotAcceptable => "not_acceptable",
        ErrorCode.Unauthorized => "unauthorized",
        ErrorCode.Forbidden => "forbidden",
        ErrorCode.NotFound => "not_found",
        ErrorCode.MethodNotAllowed => "method_not_allowed",
        ErrorCode.NotReady => "not_ready",
        ErrorCode.Unavailable => "unavailable",
        ErrorCode.Conflict => "conflict",
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
        ErrorCode.NotReady or ErrorCode.Conflict => 409,
        ErrorCode.PayloadTooLarge or ErrorCode.TooManyPixels => 413,
        ErrorCode.UnsupportedMediaType => 415,
        ErrorCode.CorruptImage or ErrorCode.TooExpensive => 422,
        ErrorCode.Unavailable => 503,
        _ => 500,
    };

    /// <summary>
    /// The HTTP status of a job that failed. When the failure was the service's own (it gave up,
    /// or found the result's key taken: a redrive may still convert it), <see cref="ErrorCode.Unavailable"/>'s;
    /// when the input is at fault, 422 whatever its code's own status: the request for the job
    /// was fine, the image it names is not.
    /// </summary>
    public static int FailedJobStatus(bool servicesFault) => servicesFault ? HttpStatus(ErrorCode.Unavailable) : 422;

    /// <summary>
    /// True when retrying the same input cannot succeed: the worker records these as
    /// .error.json instead of letting the message be redelivered, and the report finishes the
    /// input's version. A conflict is no verdict on the input: it can succeed once the object
    /// in the way is moved.
    /// </summary>
    public static bool IsPermanent(ErrorCode code) => code is not (ErrorCode.Internal or ErrorCode.Unavailable or ErrorCode.Conflict);
}
