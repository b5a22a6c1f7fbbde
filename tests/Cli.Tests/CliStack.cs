using System.Text.RegularExpressions;
using Amazon.S3;

namespace Pipeline.Tests.Cli;

/// <summary>
/// What the CLI talks to after ./run.sh, on free ports: moto with the template's resources and a
/// local worker. The CLI runs as its own process with exactly this environment (explicit
/// endpoint and keys, the template's bucket and queue names).
/// </summary>
public sealed partial class CliStack : IAsyncLifetime
{
    private MotoServer _moto = null!;

    /// <summary>The emulator.</summary>
    public MotoServer Moto => _moto;

    /// <summary>The local worker.</summary>
    public ChildProcess Worker { get; private set; } = null!;

    /// <summary>An S3 client on the emulator.</summary>
    public AmazonS3Client S3 => _moto.S3;

    /// <summary>The input bucket.</summary>
    public string InputBucket => _moto.InputBucket;

    /// <summary>The output bucket.</summary>
    public string OutputBucket => _moto.OutputBucket;

    /// <inheritdoc/>
    public async Task InitializeAsync()
    {
        _moto = await MotoServer.StartAsync();
        Worker = await LocalHost.StartWorkerAsync(_moto.Environment);
    }

    /// <summary>Runs the CLI to completion.</summary>
    public Task<ToolResult> RunAsync(params string[] arguments) =>
        Tools.RunAsync("dotnet", [Artifacts.NewestBuild("Cli", "pipeline.dll"), .. arguments], _moto.Environment, timeout: TimeSpan.FromMinutes(4));

    /// <summary>
    /// Starts the CLI, for a test that interrupts it, with SIGINT at its default as a terminal's
    /// Ctrl-C finds it (env --default-signal), even when this test run was started with SIGINT
    /// ignored (nohup, a script's &amp;), which every child would otherwise inherit;
    /// <paramref name="fromParentIgnoringSigint"/> starts it from such a parent.
    /// </summary>
    public ChildProcess Start(bool fromParentIgnoringSigint, params string[] arguments) =>
        Start(_moto.Environment, fromParentIgnoringSigint, arguments);

    /// <summary>The CLI started as <see cref="Start(bool, string[])"/> starts it, against the stack <paramref name="environment"/> names.</summary>
    public static ChildProcess Start(IReadOnlyDictionary<string, string> environment, bool fromParentIgnoringSigint, params string[] arguments) =>
        ChildProcess.Start("pipeline", "env",
            [.. fromParentIgnoringSigint ? ["--ignore-signal=INT", "env"] : Array.Empty<string>(), "--default-signal=INT", "dotnet", Artifacts.NewestBuild("Cli", "pipeline.dll"), .. arguments],
            environment);

    /// <summary>The last line of <paramref name="output"/>, parsed as "&lt;n&gt; converted, &lt;m&gt; failed...".</summary>
    public static (int Converted, int Failed, string Line) Summary(string output)
    {
        var last = output.TrimEnd('\n').Split('\n')[^1];
        var match = SummaryLine().Match(last);
        Assert.True(match.Success, $"last line is not a summary: {last}");
        return (int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture),
            int.Parse(match.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), last);
    }

    /// <inheritdoc/>
    public async Task DisposeAsync()
    {
        Worker.Dispose();
        await _moto.DisposeAsync();
    }

    [GeneratedRegex(@"^(\d+) converted, (\d+) failed")]
    private static partial Regex SummaryLine();
}

/// <summary>The CLI tests, which share one <see cref="CliStack"/> and run one after another.</summary>
[CollectionDefinition("cli")]
public sealed class CliCollection : ICollectionFixture<CliStack>;
