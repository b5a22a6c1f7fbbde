using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace Pipeline.Local;

/// <summary>
/// A Lambda proxy integration's answer (payload format 1.0) as API Gateway reads it: the
/// status, the single- and multi-value headers, and the body, base64-decoded when
/// <c>isBase64Encoded</c> says so. The document is read with <see cref="Utf8JsonReader"/>, so
/// a body of megabytes is never turned into a string; a decoded or unescaped body lives in a
/// pooled buffer until <see cref="Dispose"/>.
/// </summary>
public sealed class IntegrationResponse : IDisposable
{
    private byte[]? _rented;

    private IntegrationResponse()
    {
    }

    /// <summary>The HTTP status.</summary>
    public int StatusCode { get; private set; }

    /// <summary>The <c>headers</c> object, in document order.</summary>
    public List<KeyValuePair<string, string>> Headers { get; } = [];

    /// <summary>The <c>multiValueHeaders</c> object, in document order.</summary>
    public List<KeyValuePair<string, string[]>> MultiValueHeaders { get; } = [];

    /// <summary>The body's bytes; empty when the body is null or absent.</summary>
    public ReadOnlyMemory<byte> Body { get; private set; }

    /// <summary>Reads <paramref name="document"/>.</summary>
    /// <exception cref="JsonException">Not a proxy response: not an object, no numeric statusCode, or fields of the wrong type.</exception>
    /// <exception cref="FormatException">The body is marked isBase64Encoded but is not valid base64.</exception>
    public static IntegrationResponse Parse(ReadOnlyMemory<byte> document)
    {
        var response = new IntegrationResponse();
        try
        {
            response.Read(document);
            return response;
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_rented is not null)
            ArrayPool<byte>.Shared.Return(_rented);
        _rented = null;
        Body = default;
    }

    private void Read(ReadOnlyMemory<byte> document)
    {
        var reader = new Utf8JsonReader(document.Span);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException("The response is not a JSON object.");
        bool hasStatus = false, isBase64 = false;
        ReadOnlyMemory<byte> body = default;
        byte[]? unescaped = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("statusCode"u8))
            {
                reader.Read();
                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out int status))
                    throw new JsonException("statusCode is not an integer.");
                StatusCode = status;
                hasStatus = true;
            }
            else if (reader.ValueTextEquals("headers"u8))
            {
                ReadHeaders(ref reader);
            }
            else if (reader.ValueTextEquals("multiValueHeaders"u8))
            {
                ReadMultiValueHeaders(ref reader);
            }
            else if (reader.ValueTextEquals("body"u8))
            {
                reader.Read();
                body = default; // a repeated property: the last one wins, as in System.Text.Json
                unescaped = null;
                if (reader.TokenType == JsonTokenType.String && reader.ValueIsEscaped)
                {
                    // Unescaping never lengthens a string.
                    unescaped = Rent(reader.ValueSpan.Length);
                    body = unescaped.AsMemory(0, reader.CopyString(unescaped));
                }
                else if (reader.TokenType == JsonTokenType.String)
                {
                    body = document.Slice((int)reader.TokenStartIndex + 1, reader.ValueSpan.Length);
                }
                else if (reader.TokenType != JsonTokenType.Null)
                {
                    throw new JsonException("body is neither a string nor null.");
                }
            }
            else if (reader.ValueTextEquals("isBase64Encoded"u8))
            {
                reader.Read();
                isBase64 = reader.TokenType == JsonTokenType.True;
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            throw new JsonException("The response is not one JSON object.");
        if (!hasStatus)
            throw new JsonException("The response has no statusCode.");
        Body = Decode(body, unescaped, isBase64);
    }

    private ReadOnlyMemory<byte> Decode(ReadOnlyMemory<byte> body, byte[]? unescaped, bool isBase64)
    {
        if (!isBase64 || body.IsEmpty)
            return body;
        if (unescaped is not null)
        {
            // Only base64 written with JSON escapes (e.g. "\u002B" for '+') gets here; the
            // unescaped copy is ours, so it is decoded in place.
            if (Base64.DecodeFromUtf8InPlace(unescaped.AsSpan(0, body.Length), out int decoded) != OperationStatus.Done)
                throw new FormatException("The body is marked isBase64Encoded but is not valid base64.");
            return unescaped.AsMemory(0, decoded);
        }
        var target = Rent(Base64.GetMaxDecodedFromUtf8Length(body.Length));
        if (Base64.DecodeFromUtf8(body.Span, target, out _, out int written) != OperationStatus.Done)
            throw new FormatException("The body is marked isBase64Encoded but is not valid base64.");
        return target.AsMemory(0, written);
    }

    private byte[] Rent(int length)
    {
        Dispose();
        return _rented = ArrayPool<byte>.Shared.Rent(length);
    }

    private void ReadHeaders(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
            return;
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException("headers is not an object.");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
                throw new JsonException($"header {name} is not a string.");
            Headers.Add(new(name, reader.GetString()!));
        }
    }

    private void ReadMultiValueHeaders(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
            return;
        if (reader.TokenType != JsonTokenType.StartObject)
            throw new JsonException("multiValueHeaders is not an object.");
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var name = reader.GetString()!;
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartArray)
                throw new JsonException($"multi-value header {name} is not an array.");
            var values = new List<string>();
            while (reader.Read() && reader.TokenType == JsonTokenType.String)
                values.Add(reader.GetString()!);
            if (reader.TokenType != JsonTokenType.EndArray)
                throw new JsonException($"multi-value header {name} holds a value that is not a string.");
            MultiValueHeaders.Add(new(name, [.. values]));
        }
    }
}
