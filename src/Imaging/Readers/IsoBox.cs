using System.Buffers.Binary;

namespace Pipeline.Imaging.Readers;

/// <summary>
/// One box of ISO base media file format data (HEIF, AVIF, the JPEG XL container): its type,
/// its payload, and where it starts. <see cref="Children"/> walks a run of boxes, each checked
/// to lie inside the data it was found in.
/// </summary>
internal readonly ref struct IsoBox
{
    /// <summary>The four-character type, e.g. "ftyp".</summary>
    public ReadOnlySpan<byte> Type { get; }

    /// <summary>What follows the box header.</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>Where the payload starts, from the start of the data the box was found in.</summary>
    public int PayloadOffset { get; }

    private IsoBox(ReadOnlySpan<byte> type, ReadOnlySpan<byte> payload, int payloadOffset)
    {
        Type = type;
        Payload = payload;
        PayloadOffset = payloadOffset;
    }

    /// <summary>True when the box is of type <paramref name="type"/>.</summary>
    public bool Is(ReadOnlySpan<byte> type) => Type.SequenceEqual(type);

    /// <summary>A full box's version (the payload's first byte).</summary>
    public int Version => Payload.IsEmpty ? -1 : Payload[0];

    /// <summary>A full box's 24 flag bits.</summary>
    public int Flags => Payload.Length < 4 ? 0 : Payload[1] << 16 | Payload[2] << 8 | Payload[3];

    /// <summary>The boxes of <paramref name="data"/>, one after another to its end, in a format named <paramref name="name"/> for errors.</summary>
    public static Enumerator Children(ReadOnlySpan<byte> data, string name) => new(data, name);

    /// <summary>Walks boxes; a box whose size runs past the end of the data, or is too small for its header, is corrupt.</summary>
    public ref struct Enumerator(ReadOnlySpan<byte> data, string name)
    {
        private readonly ReadOnlySpan<byte> _data = data;
        private readonly string _name = name;
        private int _next;

        public IsoBox Current { get; private set; }

        public readonly Enumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_next == _data.Length)
                return false;
            if (_next + 8 > _data.Length)
                throw Inspection.Corrupt(_name, "a box header is incomplete");
            long size = BinaryPrimitives.ReadUInt32BigEndian(_data[_next..]);
            int header = 8;
            if (size == 1)
            {
                if (_next + 16 > _data.Length)
                    throw Inspection.Corrupt(_name, "a box header is incomplete");
                ulong large = BinaryPrimitives.ReadUInt64BigEndian(_data[(_next + 8)..]);
                size = large > int.MaxValue ? long.MaxValue : (long)large;
                header = 16;
            }
            else if (size == 0)
            {
                size = _data.Length - _next; // to the end of the data
            }
            if (size < header || size > _data.Length - _next)
                throw Inspection.Corrupt(_name, $"a '{TypeName(_data.Slice(_next + 4, 4))}' box runs past the end of the data");
            Current = new IsoBox(_data.Slice(_next + 4, 4), _data.Slice(_next + header, (int)size - header), _next + header);
            _next += (int)size;
            return true;
        }
    }

    /// <summary>A box type as text, for messages (non-printable bytes as '?').</summary>
    public static string TypeName(ReadOnlySpan<byte> type)
    {
        Span<char> text = stackalloc char[type.Length];
        for (int i = 0; i < type.Length; i++)
            text[i] = type[i] is >= 0x20 and < 0x7F ? (char)type[i] : '?';
        return new string(text);
    }
}
