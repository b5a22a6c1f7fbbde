using System.Text.Json.Serialization;

namespace Pipeline.Lambda;

/// <summary>The error document the Runtime API accepts on /error and /init/error.</summary>
public sealed class RuntimeError
{
    /// <summary>A short description of the failure.</summary>
    [JsonPropertyName("errorMessage")] public string ErrorMessage { get; set; } = "";
    /// <summary>The failure's type, e.g. the exception's type name.</summary>
    [JsonPropertyName("errorType")] public string ErrorType { get; set; } = "";
    /// <summary>Frames of the stack trace, innermost first.</summary>
    [JsonPropertyName("stackTrace")] public List<string> StackTrace { get; set; } = [];

    /// <summary>Describes <paramref name="exception"/>.</summary>
    public static RuntimeError From(Exception exception) => new()
    {
        ErrorMessage = exception.Message,
        ErrorType = exception.GetType().Name,
        StackTrace = (exception.StackTrace ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList(),
    };
}
