using OrleansReco.Core.Vectors;

namespace OrleansReco.Core.Tests;

public sealed class VectorMathTests
{
    [Fact]
    public void Normalize_GivesUnitNorm_AndKeepsDirection()
    {
        float[] source = [3f, 4f, 0f];
        var destination = new float[3];
        VectorMath.Normalize(source, destination);
        Assert.Equal(0.6f, destination[0], 6);
        Assert.Equal(0.8f, destination[1], 6);
        Assert.Equal(0f, destination[2]);
    }

    [Fact]
    public void Normalize_ThrowsForZeroVector()
    {
        var error = Assert.Throws<ArgumentException>(() => VectorMath.Normalize(new float[4], new float[4]));
        Assert.Equal("source", error.ParamName);
    }

    [Fact]
    public void Normalize_ThrowsForLengthMismatch()
    {
        var error = Assert.Throws<ArgumentException>(() => VectorMath.Normalize(new float[4], new float[3]));
        Assert.Equal("destination", error.ParamName);
    }

    [Fact]
    public void AllFinite_DetectsNaNAndInfinity()
    {
        Assert.True(VectorMath.AllFinite([1f, -2f]));
        Assert.False(VectorMath.AllFinite([1f, float.NaN]));
        Assert.False(VectorMath.AllFinite([float.PositiveInfinity]));
    }
}
