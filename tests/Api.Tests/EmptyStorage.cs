using System.Net;
using Amazon.Runtime;
using Amazon.S3;
using Pipeline.Jobs;

namespace Pipeline.Tests;

/// <summary>
/// A job store over an S3 endpoint (an HttpListener on a free port) that answers every request
/// 404: no object exists, so every job the store reads is pending. It counts the requests, so a
/// test can tell an answer given without reading storage.
/// </summary>
internal sealed class EmptyStorage : IDisposable
{
    private readonly HttpListener _listener = new();
    private int _requests;

    public EmptyStorage()
    {
        int port = Tools.FreePort();
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _ = Task.Run(ServeAsync);
        var config = new AmazonS3Config { ServiceURL = $"http://127.0.0.1:{port}", ForcePathStyle = true, AuthenticationRegion = "us-east-1", MaxErrorRetry = 0 };
        Store = new JobStore(
            new AmazonS3Client(new BasicAWSCredentials("test", "test"), config),
            new StorageOptions { InputBucket = "pipeline-input", OutputBucket = "pipeline-output" },
            httpUrls: true,
            TimeProvider.System);
    }

    /// <summary>The store.</summary>
    public JobStore Store { get; }

    /// <summary>How many requests reached the endpoint.</summary>
    public int Requests => Volatile.Read(ref _requests);

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return; // stopped
            }
            Interlocked.Increment(ref _requests);
            context.Response.StatusCode = 404;
            context.Response.Close();
        }
    }

    public void Dispose() => _listener.Close();
}
