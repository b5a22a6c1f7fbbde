using Pipeline.Tests;

namespace Pipeline.Imaging.Fuzz;

/// <summary>
/// The inputs one fuzzed input stands for: itself, and, when they differ, the same bytes with
/// their PNG chunks' CRCs or their WebP's RIFF size made to match. A mutation inside a PNG chunk
/// otherwise only ever meets libpng's CRC check, and one that moves a WebP's end only the
/// RIFF size check; repaired, it reaches the readers' and the decoders' real work.
/// </summary>
public static class Repaired
{
    /// <summary><paramref name="input"/>, then its repaired copy if that differs.</summary>
    public static IEnumerable<byte[]> AndInput(byte[] input)
    {
        yield return input;
        var repaired = input.ToArray();
        HostileCorpus.RepairContainer(repaired);
        if (!repaired.AsSpan().SequenceEqual(input))
            yield return repaired;
    }
}
