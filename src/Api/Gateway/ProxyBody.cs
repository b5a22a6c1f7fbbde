using System.Buffers.Text;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Pipeline.Api.Gateway;

/// <summary>
/// The <c>body</c> of an API Gateway proxy document (request or response), read without
/// turning megabytes of base64 into a .NET string: the document is scanned with
/// Utf8JsonReader, the typed envelope is deserialised with its Body property left out, and
/// the base64 is then decoded straight from the document's bytes into one array.
/// </summary>
public static class ProxyBody
{
    private static readonly JsonSerializerOptions WithoutBody = new()
    {
        TypeInfoResolver = GatewayJsonContext.Default.WithAddedModifier(static info =>
        {
            if (info.Kind != JsonTypeInfoKind.Object)
                return;
            for (int i = info.Properties.Count - 1; i >= 0; i--)
            {
                if (info.Properties[i].Name == "body")
                    info.Properties.RemoveAt(i);
            }
        }),
    };

    /// <summary>
    /// Deserialises <paramref name="document"/> as <typeparamref name="T"/> with its Body left
    /// null, and returns the body's bytes: base64-decoded when isBase64Encoded is true, UTF-8
    /// text otherwise. A text body's memory points into <paramref name="document"/>; a decoded
    /// one into an array from <paramref name="allocate"/> (a new one when not given; it may be
    /// longer than asked for, e.g. a pooled one).
    /// </summary>
    /// <exception cref="JsonException">The document is not a JSON object of the expected shape.</exception>
    /// <exception cref="FormatException">The body claims to be base64 but is not.</exception>
    public static (T Envelope, ReadOnlyMemory<byte> Body) Read<T>(ReadOnlyMemory<byte> document, Func<int, byte[]>? allocate = null)
        where T : class => Read<T>(document, Scan(document.Span), allocate);

    /// <summary>As <see cref="Read{T}(ReadOnlyMemory{byte}, Func{int, byte[]})"/>, for a document <see cref="Scan"/> has already read.</summary>
    public static (T Envelope, ReadOnlyMemory<byte> Body) Read<T>(ReadOnlyMemory<byte> document, ProxyScan scan, Func<int, byte[]>? allocate = null)
        where T : class
    {
        var typeInfo = (JsonTypeInfo<T>)WithoutBody.GetTypeInfo(typeof(T));
        var envelope = JsonSerializer.Deserialize(document.Span, typeInfo)
            ?? throw new JsonException("The document is null.");
        return (envelope, Decode(document, scan, allocate));
    }

    /// <summary>
    /// One pass over the document's top level: where the body is, whether it is base64, and the
    /// payload format version (HTTP API events say "2.0"; REST events have none).
    /// </summary>
    /// <exception cref="JsonException">The document is not a JSON object.</exception>
    public static ProxyScan Scan(ReadOnlySpan<byte> document)
    {
        var reader = new Utf8JsonReader(document);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException("The document is not a JSON object.");
        ProxyScan body = default;
        bool isBase64 = false;
        string? version = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("body"u8))
            {
                reader.Read();
                body = default; // a repeated property: the last one wins, as in System.Text.Json
                if (reader.TokenType == JsonTokenType.String)
                {
                    if (reader.ValueIsEscaped)
                    {
                        var copy = new byte[reader.ValueSpan.Length];
                        int written = reader.CopyString(copy);
                        body = new ProxyScan(0, written, copy, false, null);
                    }
                    else
                    {
                        body = new ProxyScan((int)reader.TokenStartIndex + 1, reader.ValueSpan.Length, null, false, null);
                    }
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    throw new JsonException("The body is neither a string nor null.");
                }
            }
            else if (reader.ValueTextEquals("isBase64Encoded"u8))
            {
                reader.Read();
                isBase64 = reader.TokenType == JsonTokenType.True;
            }
            else if (reader.ValueTextEquals("version"u8))
            {
                reader.Read();
                version = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return body with { IsBase64 = isBase64, Version = version };
    }

    private static ReadOnlyMemory<byte> Decode(ReadOnlyMemory<byte> document, ProxyScan body, Func<int, byte[]>? allocate)
    {
        var text = (body.Unescaped is { } unescaped ? unescaped : document).Slice(body.Start, body.Length);
        var span = text.Span;
        if (!body.IsBase64 || span.IsEmpty)
            return text;
        // Into another array rather than in place: Base64.DecodeFromUtf8 is vectorised and
        // DecodeFromUtf8InPlace is not (reports/bench.txt measures the two).
        int length = Base64.GetMaxDecodedFromUtf8Length(span.Length);
        var decoded = allocate?.Invoke(length) ?? new byte[length];
        if (Base64.DecodeFromUtf8(span, decoded, out _, out int written) != System.Buffers.OperationStatus.Done)
            throw new FormatException("The body is marked isBase64Encoded but is not valid base64.");
        return decoded.AsMemory(0, written);
    }
}
