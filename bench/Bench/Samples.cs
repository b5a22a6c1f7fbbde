using System.Globalization;

namespace Pipeline.Bench;

/// <summary>Measurements of one quantity; medians and quartiles, since a shared machine's noise is one-sided.</summary>
public sealed class Samples
{
    private readonly List<double> _values = [];

    /// <summary>How many values were recorded.</summary>
    public int Count => _values.Count;

    /// <summary>Records values.</summary>
    public void Add(IEnumerable<double> values) => _values.AddRange(values);

    /// <summary>Forgets every value (after a warm-up).</summary>
    public void Clear() => _values.Clear();

    /// <summary>Records a value.</summary>
    public void Add(double value) => _values.Add(value);

    /// <summary>The median.</summary>
    public double Median => Quantile(0.5);

    /// <summary>The largest value.</summary>
    public double Max => _values.Max();

    /// <summary>The <paramref name="q"/>-quantile (0–1), linearly interpolated.</summary>
    public double Quantile(double q)
    {
        if (_values.Count == 0)
            throw new InvalidOperationException("no samples");
        var sorted = _values.Order().ToArray();
        double position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
    }

    /// <summary>"median (q1–q3)" with <paramref name="format"/>.</summary>
    public string Describe(string format = "0.0") => $"{Median.Text(format)} ({Quantile(0.25).Text(format)}–{Quantile(0.75).Text(format)})";
}

/// <summary>Numbers as the report prints them, whatever the machine's culture.</summary>
public static class Numbers
{
    /// <summary><paramref name="value"/> in <paramref name="format"/>, invariant culture.</summary>
    public static string Text(this double value, string format = "0.0") => value.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>Bytes as MiB with one decimal.</summary>
    public static string MiB(this long bytes) => (bytes / 1048576.0).Text() + " MiB";
}
