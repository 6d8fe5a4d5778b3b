namespace RefHeap;

/// <summary>
/// pymalloc's geometry (Objects/obmalloc.c, 64-bit): 16-byte size classes up to 512 bytes, 16 KiB pools with a
/// 48-byte pool header, and the size the model gives an object.
/// </summary>
internal static class SizeClasses
{
    /// <summary>Block sizes are multiples of this, and every address is aligned to it (pymalloc's <c>ALIGNMENT</c>).</summary>
    public const int Alignment = 1 << AddressSpace.GranuleShift;

    /// <summary>Requests above this many bytes go outside the arenas (<c>SMALL_REQUEST_THRESHOLD</c>).</summary>
    public const int SmallThreshold = 512;

    public const int Count = SmallThreshold / Alignment;

    public const int PoolSize = 16 * 1024;

    /// <summary>pymalloc's <c>POOL_OVERHEAD</c>: <c>struct pool_header</c> (48 bytes on 64-bit) rounded up to <see cref="Alignment"/>.</summary>
    public const int PoolHeaderSize = 48;

    public const int GranulesPerPoolShift = 10;

    public const int PoolHeaderGranules = PoolHeaderSize / Alignment;

    /// <summary>
    /// The bytes of CPython's object header for a GC object on 64-bit: <c>PyGC_Head</c> (two words) plus
    /// <c>PyObject_HEAD</c> (<c>ob_refcnt</c>, <c>ob_type</c>).
    /// </summary>
    public const int HeaderSize = 32;

    /// <summary>Each field is one <c>PyObject*</c> slot, as in a class with <c>__slots__</c>.</summary>
    public const int FieldSize = 8;

    /// <summary>The modelled size of an object with <paramref name="fieldCount"/> instance fields: <c>32 + 8 * fields</c>.</summary>
    public static int ObjectSize(int fieldCount) => HeaderSize + FieldSize * fieldCount;

    /// <summary>The size class of a request of 1..512 bytes (<c>(nbytes - 1) &gt;&gt; ALIGNMENT_SHIFT</c>).</summary>
    public static int Of(int size) => (size - 1) >> AddressSpace.GranuleShift;

    public static int BlockSize(int sizeClass) => (sizeClass + 1) * Alignment;

    /// <summary>How many blocks of a class fit in a pool after its header; the remainder is lost to quantization.</summary>
    public static int BlocksPerPool(int sizeClass) => (PoolSize - PoolHeaderSize) / BlockSize(sizeClass);
}
