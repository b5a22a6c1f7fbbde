namespace Pipeline.Imaging.Readers;

/// <summary>One 12-byte entry of a TIFF image file directory.</summary>
/// <param name="Tag">The tag, e.g. 256 ImageWidth.</param>
/// <param name="Type">The field type (1–12 in TIFF 6.0).</param>
/// <param name="Count">How many values.</param>
/// <param name="ValueField">The offset of the entry's 4-byte value field: the values, or where they are.</param>
internal readonly record struct TiffEntry(int Tag, int Type, long Count, long ValueField)
{
    /// <summary>Field type BYTE.</summary>
    public const int Byte = 1;
    /// <summary>Field type SHORT.</summary>
    public const int Short = 3;
    /// <summary>Field type LONG.</summary>
    public const int Long = 4;
    /// <summary>Field type UNDEFINED.</summary>
    public const int Undefined = 7;
    /// <summary>Field type SLONG.</summary>
    public const int SignedLong = 9;

    /// <summary>True for one SHORT or LONG value: how every reader agrees to store a size or a count.</summary>
    public bool IsOneShortOrLong => Count == 1 && Type is Short or Long;
}
