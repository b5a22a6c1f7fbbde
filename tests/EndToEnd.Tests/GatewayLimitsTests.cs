using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using OpenCvSharp;

namespace Pipeline.Tests.EndToEnd;

/// <summary>
/// The local API host against clients that hold on, through raw sockets (nothing is sent that
/// a test does not write): a declared Content-Length is not memory, a request whose headers or
/// body stop arriving gets a 408 and a closed connection at the read timeout, and connections
/// over the cap are closed as they come.
/// </summary>
[Collection("stack")]
public sealed class GatewayLimitsTests
{
    private const string StalledHeaders = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    private const string StalledTenMegabyteBody = "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/jpeg\r\nContent-Length: 10485760\r\n\r\n0123456789";

    private readonly PipelineStack _stack;

    public GatewayLimitsTests(PipelineStack stack) => _stack = stack;

    [Fact]
    public async Task Declared_lengths_of_stalled_clients_hold_no_memory_a_real_request_needs()
    {
        // A 64 MiB managed heap, and 48 clients that each declare 2 MB, send 10 bytes and stall:
        // were declared lengths allocated, they would fill the heap to within 2 MB, less than
        // the real request below needs.
        var (api, url) = await _stack.StartApiAsync(new Dictionary<string, string> { ["DOTNET_GCHeapHardLimit"] = "0x4000000" });
        using (api)
        {
            var stalled = new List<Socket>();
            try
            {
                for (int i = 0; i < 48; i++)
                    stalled.Add(await ConnectAndSendAsync(url, "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2000000\r\n\r\n0123456789"));
                await Task.Delay(1000); // the host reads their headers and first bytes meanwhile

                var photo = TestImages.NoisyJpeg(640, 480);
                using var http = new HttpClient();
                using var response = await http.PostAsync(url, new ByteArrayContent(photo));

                Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {await response.Content.ReadAsStringAsync()}\n{api.Tail()}");
                using var gray = PixelAssert.IsGray(await response.Content.ReadAsByteArrayAsync());
                Assert.Equal(new Size(640, 480), gray.Size());
            }
            finally
            {
                stalled.ForEach(s => s.Dispose());
            }
        }
    }

    [Fact]
    public async Task A_request_whose_body_stops_arriving_gets_a_408_and_is_closed_at_the_read_timeout()
    {
        var (api, url) = await _stack.StartApiAsync(new Dictionary<string, string>(), "--read-timeout", "1");
        using (api)
        {
            using var client = await ConnectAndSendAsync(url, StalledTenMegabyteBody);
            var started = Stopwatch.StartNew();

            var answer = await ReadUntilClosedAsync(client, TimeSpan.FromSeconds(20));

            Assert.StartsWith("HTTP/1.1 408 ", answer, StringComparison.Ordinal);
            // Kestrel checks its timeouts once a second; its own rate check alone would take 5 s
            // (its grace period) and more, so a 1 s timeout leaves room for a loaded machine.
            Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(4.5));
        }
    }

    [Fact]
    public async Task A_request_whose_headers_stop_arriving_is_closed_at_the_read_timeout()
    {
        var (api, url) = await _stack.StartApiAsync(new Dictionary<string, string>(), "--read-timeout", "1");
        using (api)
        {
            using var client = await ConnectAndSendAsync(url, StalledHeaders);
            var started = Stopwatch.StartNew();

            await ReadUntilClosedAsync(client, TimeSpan.FromSeconds(20));

            // Kestrel checks its timeouts once a second; its own header timeout is 30 s.
            Assert.InRange(started.Elapsed, TimeSpan.FromSeconds(0.8), TimeSpan.FromSeconds(10));
        }
    }

    [Fact]
    public async Task Connections_over_the_cap_are_closed_until_one_is_free()
    {
        var (api, url) = await _stack.StartApiAsync(new Dictionary<string, string>(), "--max-connections", "2", "--read-timeout", "2");
        using (api)
        {
            // The start-up health check's connection may still count for a moment.
            using var first = await ConnectAcceptedAsync(url, StalledHeaders);
            using var second = await ConnectAcceptedAsync(url, StalledHeaders);

            using (var http = new HttpClient())
                await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri(url, "health")));

            // At the read timeout the two stalled connections are dropped, and there is room again.
            await ReadUntilClosedAsync(first, TimeSpan.FromSeconds(20));
            await ReadUntilClosedAsync(second, TimeSpan.FromSeconds(20));
            await Tools.WaitForHttpAsync(new Uri(url, "health"), api);
        }
    }

    private static async Task<Socket> ConnectAndSendAsync(Uri url, string text)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(url.Host, url.Port);
        await socket.SendAsync(Encoding.ASCII.GetBytes(text));
        return socket;
    }

    /// <summary>A connection the server has accepted and kept open for 300 ms, after as many tries as that takes within 10 s.</summary>
    private static async Task<Socket> ConnectAcceptedAsync(Uri url, string text)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var socket = await ConnectAndSendAsync(url, text);
            await Task.Delay(300);
            if (!IsClosed(socket))
                return socket;
            socket.Dispose();
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException("the server kept closing new connections");
        }
    }

    /// <summary>Everything the server sends until it closes the connection; throws if it has not closed within <paramref name="timeout"/>.</summary>
    private static async Task<string> ReadUntilClosedAsync(Socket socket, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        var received = new MemoryStream();
        var buffer = new byte[4096];
        int read;
        try
        {
            while ((read = await socket.ReceiveAsync(buffer, deadline.Token)) > 0)
                received.Write(buffer, 0, read);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"the server kept the connection open for {timeout}");
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            // closed with a reset: what was received before it still counts
        }
        return Encoding.ASCII.GetString(received.ToArray());
    }

    private static bool IsClosed(Socket socket) => socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0;
}
