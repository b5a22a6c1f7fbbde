using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pipeline.Api;
using Pipeline.Diagnostics;
using Pipeline.Local;
using Pipeline.Settings;
using Pipeline.Aws;
using Pipeline.Worker;

// The local stand-ins for what AWS runs around the functions:
//   pipeline-local api    [--host 127.0.0.1] [--port 3000] [--concurrency N] [--max-connections N] [--read-timeout S]
//                                                                       API Gateway in front of the API function
//   pipeline-local worker [--queue NAME] [--pollers N] [--wait-seconds S] [--visibility-timeout S]
//                                                                       SQS event source mapping in front of the worker
//   pipeline-local settings                                             every setting, as the README's Markdown table
// Both read the same environment as the deployed functions (PIPELINE_*, AWS_ENDPOINT_URL, AWS_REGION, credentials).
var log = new JsonLog(Console.OpenStandardOutput());
try
{
    return args switch
    {
        ["api", ..] => await RunApiAsync(args, log),
        ["worker", ..] => await RunWorkerAsync(args, log),
        ["settings"] => PrintSettings(),
        _ => Usage(),
    };
}
catch (Exception e) when (e is OptionException or ArgumentOutOfRangeException)
{
    Console.Error.WriteLine(e.Message);
    return Usage();
}

static async Task<int> RunApiAsync(string[] args, JsonLog log)
{
    string host = Option(args, "--host") ?? "127.0.0.1";
    int port = IntOption(args, "--port") ?? 3000;
    int concurrency = IntOption(args, "--concurrency") ?? Environment.ProcessorCount * 2;
    var limits = new ApiHostLimits();
    limits = limits with
    {
        MaxConnections = IntOption(args, "--max-connections") ?? limits.MaxConnections,
        ReadTimeout = IntOption(args, "--read-timeout") is { } seconds ? TimeSpan.FromSeconds(seconds) : limits.ReadTimeout,
    };
    limits.Validate();
    if (!TryCompose(() => ApiFunction.FromEnvironment(Environment.GetEnvironmentVariable, concurrency), log, out var function) || !TryCompose(() => ApiKeys.FromEnvironment(Environment.GetEnvironmentVariable), log, out var keys))
        return 1;

    using var gateway = new ApiGatewayEmulator(function, concurrency, limits.ReadTimeout, log, keys, function.NeedsKey);
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
    builder.WebHost.UseUrls($"http://{host}:{port}");
    var app = builder.Build();
    app.Run(gateway.HandleAsync);
    try
    {
        await app.StartAsync();
    }
    catch (IOException e)
    {
        log.Write("error", "cannot listen", ("url", $"http://{host}:{port}/"), ("errorMessage", e.Message));
        return 1;
    }
    log.Write("info", "local API listening", ("url", $"http://{host}:{port}/"), ("concurrency", concurrency),
        ("maxConnections", limits.MaxConnections), ("readTimeoutSeconds", limits.ReadTimeout.TotalSeconds));
    await app.WaitForShutdownAsync();
    return 0;
}

static async Task<int> RunWorkerAsync(string[] args, JsonLog log)
{
    var queue = Option(args, "--queue") ?? PipelineSettings.QueueName.Read(Environment.GetEnvironmentVariable);
    if (string.IsNullOrEmpty(queue))
    {
        Console.Error.WriteLine("the worker needs --queue NAME or PIPELINE_QUEUE_NAME");
        return 2;
    }
    var options = new EventSourceOptions
    {
        Pollers = IntOption(args, "--pollers") ?? 2,
        WaitTimeSeconds = IntOption(args, "--wait-seconds") ?? 5,
        VisibilityTimeout = IntOption(args, "--visibility-timeout") is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
    };
    if (!TryCompose(WorkerFunction.FromEnvironment, log, out var function))
        return 1;

    using var stop = new CancellationTokenSource();
    using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.Cancel(); });
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.Cancel(); });

    using var sqs = SqsEventSource.CreateClient(AwsEnvironment.FromEnvironment());
    string queueUrl;
    try
    {
        queueUrl = (await sqs.GetQueueUrlAsync(queue, stop.Token)).QueueUrl;
    }
    catch (Exception e) when (e is Amazon.Runtime.AmazonServiceException or HttpRequestException)
    {
        log.Write("error", "queue not found", ("queue", queue), ("errorMessage", e.Message));
        return 1;
    }
    log.Write("info", "local worker polling", ("queue", queue), ("pollers", options.Pollers));
    await new SqsEventSource(sqs, queueUrl, function, options, log).RunAsync(stop.Token);
    log.Write("info", "local worker stopped");
    return 0;
}

static bool TryCompose<T>(Func<T> compose, JsonLog log, out T function)
{
    try
    {
        function = compose();
        return true;
    }
    catch (Exception e)
    {
        log.Write("error", "initialisation failed", ("errorType", e.GetType().Name), ("errorMessage", e.Message));
        function = default!;
        return false;
    }
}

static int PrintSettings()
{
    Console.Out.Write(PipelineSettings.MarkdownTable());
    return 0;
}

static int Usage()
{
    Console.Error.WriteLine("usage: pipeline-local api [--host H] [--port N] [--concurrency N] [--max-connections N] [--read-timeout S]");
    Console.Error.WriteLine("       pipeline-local worker [--queue NAME] [--pollers N] [--wait-seconds S] [--visibility-timeout S]");
    Console.Error.WriteLine("       pipeline-local settings");
    return 2;
}

static string? Option(string[] args, string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static int? IntOption(string[] args, string name) => Option(args, name) switch
{
    null => null,
    var text when int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) => value,
    var text => throw new OptionException($"{name} takes a whole number, not '{text}'"),
};
