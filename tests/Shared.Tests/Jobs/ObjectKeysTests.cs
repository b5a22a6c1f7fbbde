using System.Text;
using Pipeline.Jobs;

namespace Pipeline.Tests.Jobs;

/// <summary>Report keys: beside the input where they fit, never more than S3's 1,024 bytes, and never shared by two inputs.</summary>
public class ObjectKeysTests
{
    private static int Bytes(string key) => Encoding.UTF8.GetByteCount(key);

    [Fact]
    public void A_report_sits_beside_its_input_where_the_key_allows()
    {
        Assert.Equal("photos/a b.jpg.error.json", ObjectKeys.Error("photos/a b.jpg"));
        var longest = new string('k', ObjectKeys.MaxKeyBytes - ObjectKeys.ErrorSuffix.Length);
        Assert.Equal(longest + ObjectKeys.ErrorSuffix, ObjectKeys.Error(longest));
    }

    [Fact]
    public void Keys_of_every_length_up_to_s3s_limit_get_distinct_report_keys_within_it()
    {
        // For each length, a plain key, a multi-byte one, and one spelled like the stem of
        // another's hashed report key (that is how two keys used to share a report key).
        var keys = new List<string>();
        for (int length = 990; length <= ObjectKeys.MaxKeyBytes; length++)
        {
            var plain = new string('k', length);
            keys.Add(plain);
            keys.Add(new string('é', length / 2) + (length % 2 == 1 ? "x" : ""));
            var stem = ObjectKeys.Error(plain)[..^ObjectKeys.ErrorSuffix.Length];
            if (Bytes(stem) <= ObjectKeys.MaxKeyBytes)
                keys.Add(stem);
        }
        keys = keys.Distinct(StringComparer.Ordinal).ToList();

        var reports = keys.Select(ObjectKeys.Error).ToList();

        Assert.All(reports, r => Assert.InRange(Bytes(r), 1, ObjectKeys.MaxKeyBytes));
        Assert.All(reports, r => Assert.EndsWith(ObjectKeys.ErrorSuffix, r, StringComparison.Ordinal));
        Assert.Equal(keys.Count, reports.Distinct(StringComparer.Ordinal).Count());
    }
}
