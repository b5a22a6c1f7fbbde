using System.Runtime.CompilerServices;

namespace Pipeline.Imaging.Isolation;

/// <summary>How to start a converter process.</summary>
/// <param name="FileName">The executable.</param>
/// <param name="Arguments">Its arguments.</param>
public sealed record ConverterCommand(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>The converter's assembly, next to a host run by <c>dotnet</c>.</summary>
    public const string AssemblyFile = "Pipeline.Converter.dll";

    /// <summary>
    /// The converter of the running host: a Native AOT executable (a Lambda function's
    /// bootstrap) runs itself with <see cref="ConverterHost.Argument"/>; a host run by
    /// <c>dotnet</c> (the local hosts, the tests) runs the converter assembly beside it.
    /// </summary>
    public static ConverterCommand ForThisProcess()
    {
        if (!RuntimeFeature.IsDynamicCodeSupported)
            return new(Environment.ProcessPath ?? throw new InvalidOperationException("The executable's path is unknown."), [ConverterHost.Argument]);
        var assembly = Path.Combine(AppContext.BaseDirectory, AssemblyFile);
        if (!File.Exists(assembly))
            throw new InvalidOperationException($"{AssemblyFile} is not next to the host ({AppContext.BaseDirectory}); reference the Converter project.");
        var dotnet = Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";
        return new(dotnet, ["exec", assembly]);
    }
}
