using System.IO.Pipelines;
using Pipeline.Local;

namespace Pipeline.Tests.Local;

public sealed class RequestBodyTests
{
    // Around the 3-byte groups of base64 and the chunk sizes (16 KiB doubling to 1 MiB).
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(16383)]
    [InlineData(16384)]
    [InlineData(16385)]
    [InlineData(49151)]
    [InlineData(49152)]
    [InlineData(49153)]
    [InlineData(1048576 + 7)]
    [InlineData(3_000_001)]
    public async Task Base64_of_the_body_equals_the_bytes_sent_however_they_were_split(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);

        // Uneven writes, so pieces end anywhere inside a 3-byte group and a chunk.
        var pipe = new Pipe();
        var writing = WriteInPiecesAsync(pipe.Writer, bytes, seed: length);
        using var body = await RequestBody.ReadAsync(pipe.Reader, long.MaxValue, CancellationToken.None);
        await writing;

        Assert.NotNull(body);
        Assert.Equal(length, body.Length);
        var base64 = new byte[body.Base64Length];
        body.EncodeBase64(base64);
        Assert.Equal(Convert.ToBase64String(bytes), System.Text.Encoding.ASCII.GetString(base64));
    }

    [Fact]
    public async Task A_body_past_the_limit_is_refused_at_the_first_byte_too_many()
    {
        var pipe = new Pipe();
        var writing = WriteInPiecesAsync(pipe.Writer, new byte[1001], seed: 1);

        var body = await RequestBody.ReadAsync(pipe.Reader, limit: 1000, CancellationToken.None);
        await writing;

        Assert.Null(body);
    }

    [Fact]
    public async Task A_body_exactly_at_the_limit_is_read()
    {
        var pipe = new Pipe();
        var writing = WriteInPiecesAsync(pipe.Writer, new byte[1000], seed: 2);

        using var body = await RequestBody.ReadAsync(pipe.Reader, limit: 1000, CancellationToken.None);
        await writing;

        Assert.Equal(1000, body!.Length);
    }

    [Fact]
    public async Task A_body_that_stops_arriving_is_given_up_when_the_token_fires()
    {
        var pipe = new Pipe();
        await pipe.Writer.WriteAsync(new byte[10]);
        using var deadline = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => RequestBody.ReadAsync(pipe.Reader, long.MaxValue, deadline.Token));
    }

    private static async Task WriteInPiecesAsync(PipeWriter writer, byte[] bytes, int seed)
    {
        var random = new Random(seed);
        for (int offset = 0; offset < bytes.Length;)
        {
            int piece = Math.Min(bytes.Length - offset, random.Next(1, 70_000));
            await writer.WriteAsync(bytes.AsMemory(offset, piece));
            offset += piece;
        }
        await writer.CompleteAsync();
    }
}
