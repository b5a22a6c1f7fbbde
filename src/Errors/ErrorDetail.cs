using System.Text.Json.Serialization;

namespace Pipeline.Errors;

/// <summary>
/// An error as clients read it, <c>{"code":"corrupt_image","message":"..."}</c>: inside the API's
/// <c>{"error":...}</c> bodies and a job's status, and at the top of an <c>.error.json</c> report.
/// </summary>
/// <param name="Code">The wire name of an <see cref="ErrorCode"/> (see <see cref="ErrorCodes.Name"/>).</param>
/// <param name="Message">The client-safe message.</param>
public sealed record ErrorDetail(
    [property: JsonPropertyName("code")] string Code,
    [property: JsonPropertyName("message")] string Message);
