using System.Text.Json;

namespace Pipeline.Api.Gateway;

/// <summary>
/// The function was invoked with something other than an API Gateway proxy event: no HTTP method
/// or path, as in an SQS, S3, EventBridge or WebSocket event routed to it by mistake. Not an
/// HTTP request, so it gets no HTTP answer: the invocation fails with this message, so that an
/// event source retries or dead-letters the event instead of deleting it as handled, and the
/// function's error metric (and its alarm) shows the miswiring.
/// </summary>
public sealed class UnsupportedEventException : Exception
{
    private const int NamesShown = 8;

    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public UnsupportedEventException(string message)
        : base(message)
    {
    }

    /// <summary>Describes <paramref name="eventJson"/> by its top-level field names only (never its values).</summary>
    public static UnsupportedEventException For(ReadOnlySpan<byte> eventJson)
    {
        var names = new List<string>();
        var reader = new Utf8JsonReader(eventJson);
        if (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (names.Count < NamesShown)
                    names.Add(reader.GetString()!);
                reader.Read();
                reader.Skip();
            }
        }
        var fields = names.Count == 0 ? "no fields" : "fields " + string.Join(", ", names);
        return new UnsupportedEventException(
            $"Not an API Gateway request: the event has no HTTP method and path ({fields}). The API function answers REST API (payload 1.0) "
            + "and HTTP API (payload 2.0) proxy events; S3 notifications, SQS messages, EventBridge events and S3 Batch Operations tasks go to the worker.");
    }
}
