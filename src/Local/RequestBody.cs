using System.Buffers;
using System.Buffers.Text;
using System.IO.Pipelines;

namespace Pipeline.Local;

/// <summary>
/// A request body as it arrived, held in pooled chunks that are rented only as bytes come in:
/// a client that declares 10 MB and sends 10 bytes holds one small chunk, not 10 MB. Chunks
/// grow geometrically (16 KiB up to 1 MiB), so a 3 MB photo takes 7 and a 10 MB body 16.
/// Dispose returns them to the pool.
/// </summary>
public sealed class RequestBody : IDisposable
{
    private const int FirstChunkBytes = 16 * 1024;
    private const int LargestChunkBytes = 1024 * 1024;

    private readonly List<byte[]> _chunks = [];
    private int _lastChunkUsed;

    private RequestBody()
    {
    }

    /// <summary>The body's length in bytes.</summary>
    public long Length { get; private set; }

    /// <summary>
    /// Reads the whole body from <paramref name="reader"/>, or stops at the first byte past
    /// <paramref name="limit"/> and returns null (the rest is left unread).
    /// </summary>
    public static async Task<RequestBody?> ReadAsync(PipeReader reader, long limit, CancellationToken cancellationToken)
    {
        var body = new RequestBody();
        try
        {
            while (true)
            {
                var result = await reader.ReadAsync(cancellationToken);
                var buffer = result.Buffer;
                if (body.Length + buffer.Length > limit)
                {
                    reader.AdvanceTo(buffer.End);
                    body.Dispose();
                    return null;
                }
                foreach (var segment in buffer)
                    body.Append(segment.Span);
                reader.AdvanceTo(buffer.End);
                if (result.IsCompleted)
                    return body;
            }
        }
        catch
        {
            body.Dispose();
            throw;
        }
    }

    /// <summary>The length of the body's base64 encoding, padding included.</summary>
    public long Base64Length => (Length + 2) / 3 * 4;

    /// <summary>Writes the body's base64 encoding into <paramref name="destination"/>, which must hold <see cref="Base64Length"/> bytes.</summary>
    public void EncodeBase64(Span<byte> destination)
    {
        // Base64 works on 3-byte groups: a chunk's last 1-2 bytes are joined with the next chunk's first.
        Span<byte> carry = stackalloc byte[3];
        int carried = 0;
        int written = 0;
        for (int i = 0; i < _chunks.Count; i++)
        {
            ReadOnlySpan<byte> chunk = _chunks[i].AsSpan(0, i == _chunks.Count - 1 ? _lastChunkUsed : _chunks[i].Length);
            if (carried > 0)
            {
                int take = Math.Min(3 - carried, chunk.Length);
                chunk[..take].CopyTo(carry[carried..]);
                carried += take;
                chunk = chunk[take..];
                if (carried < 3)
                    continue;
                written += Encode(carry, destination[written..], isFinalBlock: false, out _);
                carried = 0;
            }
            written += Encode(chunk, destination[written..], isFinalBlock: false, out int consumed);
            chunk[consumed..].CopyTo(carry);
            carried = chunk.Length - consumed;
        }
        written += Encode(carry[..carried], destination[written..], isFinalBlock: true, out _);
        if (written != Base64Length)
            throw new InvalidOperationException($"base64 of {Length} bytes came to {written} bytes, not {Base64Length}");
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        foreach (var chunk in _chunks)
            ArrayPool<byte>.Shared.Return(chunk);
        _chunks.Clear();
    }

    private static int Encode(ReadOnlySpan<byte> source, Span<byte> destination, bool isFinalBlock, out int consumed)
    {
        var status = Base64.EncodeToUtf8(source, destination, out consumed, out int written, isFinalBlock);
        if (status is not (OperationStatus.Done or OperationStatus.NeedMoreData))
            throw new InvalidOperationException($"base64 encoding stopped: {status}");
        return written;
    }

    private void Append(ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            if (_chunks.Count == 0 || _lastChunkUsed == _chunks[^1].Length)
            {
                int size = _chunks.Count == 0 ? FirstChunkBytes : Math.Min(_chunks[^1].Length * 2, LargestChunkBytes);
                _chunks.Add(ArrayPool<byte>.Shared.Rent(size));
                _lastChunkUsed = 0;
            }
            var chunk = _chunks[^1];
            int room = chunk.Length - _lastChunkUsed;
            int take = Math.Min(room, data.Length);
            data[..take].CopyTo(chunk.AsSpan(_lastChunkUsed));
            _lastChunkUsed += take;
            Length += take;
            data = data[take..];
        }
    }
}
