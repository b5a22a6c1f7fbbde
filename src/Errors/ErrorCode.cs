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
    /// <summary>Converting the image took more memory or CPU than an image of its size may (422): it was stopped.</summary>
    TooExpensive,
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
    /// <summary>Where the result must go stands an object the service did not write, and it is left alone (409).</summary>
    Conflict,
}
