using System.Text;

namespace Pipeline.Bench;

/// <summary>A plain-text table: the first column left-aligned, the others right-aligned.</summary>
public sealed class Table
{
    private readonly List<string[]> _rows = [];

    /// <summary>Creates a table with a header row.</summary>
    public Table(params string[] headers) => _rows.Add(headers);

    /// <summary>Adds a row.</summary>
    public Table Row(params string[] cells)
    {
        _rows.Add(cells);
        return this;
    }

    /// <summary>The table, indented by two spaces, a rule under the header.</summary>
    public override string ToString()
    {
        int columns = _rows.Max(r => r.Length);
        var widths = Enumerable.Range(0, columns).Select(c => _rows.Max(r => c < r.Length ? r[c].Length : 0)).ToArray();
        var text = new StringBuilder();
        for (int i = 0; i < _rows.Count; i++)
        {
            var line = new StringBuilder("  ");
            for (int c = 0; c < columns; c++)
            {
                var cell = c < _rows[i].Length ? _rows[i][c] : "";
                line.Append(c == 0 ? cell.PadRight(widths[c]) : "  " + cell.PadLeft(widths[c]));
            }
            text.AppendLine(line.ToString().TrimEnd());
            if (i == 0)
                text.AppendLine("  " + new string('-', widths.Sum() + 2 * (columns - 1)));
        }
        return text.ToString();
    }
}

/// <summary>Whether a measured value meets its target, and by how much it misses.</summary>
public static class Verdict
{
    /// <summary>"met" or "MISSED by x%" for a value that must not exceed <paramref name="limit"/>.</summary>
    public static string AtMost(double value, double limit) =>
        value <= limit ? "met" : $"MISSED by {((value / limit - 1) * 100).Text("0.0")}%";

    /// <summary>"met" or "MISSED by x%" for a value that must reach <paramref name="floor"/>.</summary>
    public static string AtLeast(double value, double floor) =>
        value >= floor ? "met" : $"MISSED by {((1 - value / floor) * 100).Text("0.0")}%";
}
