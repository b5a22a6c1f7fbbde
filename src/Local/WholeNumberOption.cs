using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace Pipeline.Local;

/// <summary>
/// Options of the local hosts that take a whole number: anything else is refused with a message
/// naming the option and the value, before anything starts.
/// </summary>
public static class WholeNumberOption
{
    /// <summary><c>name N</c>, at least <paramref name="min"/>; <paramref name="fallback"/> when not given.</summary>
    public static Option<int> Create(string name, string description, int fallback, int min = 1) =>
        Build(name, description, min, _ => fallback);

    /// <summary><c>name N</c>, or null when not given.</summary>
    public static Option<int?> Optional(string name, string description, int min = 1) => new(name)
    {
        Description = description,
        CustomParser = result => Parse(result, name, min),
    };

    /// <summary>
    /// <c>name N</c>, by default the environment variable <paramref name="variable"/> (one
    /// emulator/env.sh exports from template.yaml); neither given is refused.
    /// </summary>
    public static Option<int> FromEnvironment(string name, string description, string variable, int min = 1) =>
        Build(name, $"{description} (default: {variable}, from template.yaml through emulator/env.sh)", min, result =>
            Environment.GetEnvironmentVariable(variable) is { Length: > 0 } text
                ? Check(result, variable, text, min)
                : Refuse(result, $"{name} or {variable} is needed: emulator/env.sh sets {variable} from template.yaml"));

    private static Option<int> Build(string name, string description, int min, Func<ArgumentResult, int> fallback) => new(name)
    {
        Description = description,
        DefaultValueFactory = fallback,
        CustomParser = result => result.Tokens.Count == 0 ? fallback(result) : Parse(result, name, min) ?? 0,
    };

    private static int? Parse(ArgumentResult result, string name, int min) =>
        result.Tokens.Count == 0 ? null : Check(result, name, result.Tokens[0].Value, min);

    private static int Check(ArgumentResult result, string name, string text, int min)
    {
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value))
            return Refuse(result, $"{name} takes a whole number, not '{text}'");
        return value >= min ? value : Refuse(result, $"{name} takes a whole number of at least {min}, not {value}");
    }

    private static int Refuse(ArgumentResult result, string message)
    {
        result.AddError(message);
        return 0;
    }
}
