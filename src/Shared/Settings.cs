using System.Globalization;

namespace Pipeline;

/// <summary>Parsing of numeric settings, shared by every options record.</summary>
public static class Settings
{
    /// <summary>The variable's whole-number value, <paramref name="fallback"/> when unset; throws when malformed.</summary>
    public static long Number(Func<string, string?> read, string name, long fallback)
    {
        var text = read(name);
        if (string.IsNullOrWhiteSpace(text))
            return fallback;
        if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
            throw new InvalidOperationException($"{name} must be a whole number, not '{text}'.");
        return value;
    }

    /// <summary>An int-sized setting: <see cref="Number"/>, refusing values outside <paramref name="min"/>..<paramref name="max"/> instead of truncating them.</summary>
    public static int Bounded(Func<string, string?> read, string name, int fallback, int min, int max)
    {
        var value = Number(read, name, fallback);
        if (value < min || value > max)
            throw new InvalidOperationException($"{name} must be between {min} and {max}, not {value}.");
        return (int)value;
    }
}
