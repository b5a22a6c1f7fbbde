using System.CommandLine;
using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Api;
using Pipeline.Aws;
using Pipeline.Diagnostics;
using Pipeline.Jobs;
using Pipeline.Settings;
using Pipeline.Signals;

namespace Pipeline.Local;

/// <summary><c>pipeline-local api</c>: API Gateway (<see cref="ApiGatewayEmulator"/>) in front of the API function, over HTTP.</summary>
public static class ApiCommand
{
    /// <summary>The command; its JSON log (and the function's) goes to <paramref name="log"/>.</summary>
    public static Command Create(JsonLog log)
    {
        var defaults = new ApiHostLimits();
        var host = new Option<string>("--host") { Description = "the address to listen on", DefaultValueFactory = _ => "127.0.0.1" };
        var port = WholeNumberOption.Create("--port", "the port to listen on", 3000);
        var concurrency = WholeNumberOption.Create("--concurrency", "invocations at once, as the function's reserved concurrency (further requests wait)", PipelineSettings.TwoPerCore);
        var maxConnections = WholeNumberOption.Create("--max-connections", "open connections at most", defaults.MaxConnections);
        var readTimeout = WholeNumberOption.Create("--read-timeout", "seconds a request's headers, and then its body, may take", (int)defaults.ReadTimeout.TotalSeconds);
        var timeout = WholeNumberOption.FromEnvironment("--timeout", "the API function's timeout in seconds: each invocation's deadline", "PIPELINE_API_TIMEOUT_SECONDS");
        var printRequests = new Option<bool>("--print-requests") { Description = "one short line per request on standard error (the JSON log stays on standard output)" };
        var command = new Command("api", "API Gateway in front of the API function: each HTTP request becomes a proxy event for the same handler Lambda runs.")
        {
            host, port, concurrency, maxConnections, readTimeout, timeout, printRequests,
        };
        command.SetAction((parsed, _) =>
        {
            var limits = defaults with
            {
                MaxConnections = parsed.GetValue(maxConnections),
                ReadTimeout = TimeSpan.FromSeconds(parsed.GetValue(readTimeout)),
            };
            limits.Validate();
            var url = $"http://{parsed.GetValue(host)}:{parsed.GetValue(port)}";
            return RunAsync(url, parsed.GetValue(concurrency), limits, TimeSpan.FromSeconds(parsed.GetValue(timeout)),
                parsed.GetValue(printRequests) ? new RequestLines(Console.Error) : null, log);
        });
        return command;
    }

    private static async Task<int> RunAsync(string url, int concurrency, ApiHostLimits limits, TimeSpan timeout, RequestLines? lines, JsonLog log)
    {
        if (!Composition.TryCreate(() => ApiFunction.FromEnvironment(Environment.GetEnvironmentVariable, concurrency), log, out var function)
            || !Composition.TryCreate(() => ApiKeys.FromEnvironment(Environment.GetEnvironmentVariable), log, out var keys))
        {
            return 1;
        }
        var aws = AwsEnvironment.FromEnvironment();
        var storage = StorageOptions.FromEnvironment(Environment.GetEnvironmentVariable);
        using var s3 = aws.CreateS3Client(maxAttempts: 1);
        var readiness = new StorageReadiness(s3, aws.EndpointUrl?.ToString() ?? "AWS", storage.InputBucket, storage.OutputBucket);

        using var stop = new StopSignal();
        using var gateway = new ApiGatewayEmulator(function, concurrency, limits.ReadTimeout, timeout, log, keys, function.NeedsKey);
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            limits.ApplyTo(kestrel); // the emulator enforces API Gateway's body limit itself, with a JSON 413
        });
        // Kestrel's socket transport: 64 KiB buffers, and room for a whole answer (at most Lambda's
        // 6 MB), so a request completes once its answer is handed over rather than once it is sent.
        builder.Services.AddSingleton<IMemoryPoolFactory<byte>, LargeBlockPoolFactory>();
        builder.WebHost.UseSockets(sockets => sockets.MaxWriteBufferSize = ApiGatewayEmulator.MaxInvocationPayloadBytes);
        builder.WebHost.UseUrls(url);
        var app = builder.Build();
        app.Run(async http =>
        {
            if (http.Request.Path == StorageReadiness.Path)
            {
                await readiness.HandleAsync(http);
                return;
            }
            long started = Stopwatch.GetTimestamp();
            await gateway.HandleAsync(http);
            lines?.Write(http, Stopwatch.GetElapsedTime(started));
        });
        try
        {
            await app.StartAsync(stop.Token);
        }
        catch (IOException e)
        {
            log.Write("error", "cannot listen", ("url", url + "/"), ("errorMessage", e.Message));
            return 1;
        }
        log.Write("info", "local API listening", ("url", url + "/"), ("concurrency", concurrency),
            ("maxConnections", limits.MaxConnections), ("readTimeoutSeconds", limits.ReadTimeout.TotalSeconds), ("timeoutSeconds", timeout.TotalSeconds));
        await app.WaitForShutdownAsync(stop.Token);
        return 0;
    }
}
