using OrleansReco.Core.Data;
using OrleansReco.Core.Data.Readers;

namespace OrleansReco.Core.Tests.Data;

public sealed class CsvTokenizerTests
{
    private static List<(long Line, string[] Fields)> Tokenize(string text)
    {
        using var csv = new CsvTokenizer(new StringReader(text), "test.csv");
        var records = new List<(long, string[])>();
        while (csv.Read())
            records.Add((csv.Line, Enumerable.Range(0, csv.FieldCount).Select(csv.GetString).ToArray()));
        return records;
    }

    [Fact]
    public void Read_QuotedFields_KeepCommasQuotesAndNewlines()
    {
        var records = Tokenize("a,b,c\n\"x, y\",\"say \"\"hi\"\"\",\"line1\nline2\"\nlast,,\"\"\n");
        Assert.Equal(3, records.Count);
        Assert.Equal(["x, y", "say \"hi\"", "line1\nline2"], records[1].Fields);
        Assert.Equal(["last", "", ""], records[2].Fields);
    }

    [Fact]
    public void Read_LineNumbers_CountNewlinesInsideQuotes()
    {
        var records = Tokenize("h1,h2\n\"a\nb\nc\",1\n\nnext,2\r\nthird,3");
        Assert.Equal([1L, 2L, 6L, 7L], records.Select(r => r.Line));
        Assert.Equal(["third", "3"], records[3].Fields);
    }

    [Fact]
    public void Read_CrLfAndBlankLines_AreHandled()
    {
        var records = Tokenize("a,b\r\n\r\n1,2\r\n\r\n");
        Assert.Equal(2, records.Count);
        Assert.Equal(["1", "2"], records[1].Fields);
    }

    [Fact]
    public void Read_QuoteInsideUnquotedField_IsLiteral()
    {
        var records = Tokenize("a,b\n5\"4,x\n");
        Assert.Equal(["5\"4", "x"], records[1].Fields);
    }

    [Fact]
    public void Read_LongFieldsAcrossBufferBoundaries_AreWhole()
    {
        string longText = new('é', 200_000);
        var records = Tokenize($"id,text\n1,\"{longText}\"\n2,{longText}\n");
        Assert.Equal(longText, records[1].Fields[1]);
        Assert.Equal(longText, records[2].Fields[1]);
    }

    [Fact]
    public void Read_UnclosedQuote_ThrowsNamingFileAndLine()
    {
        var error = Assert.Throws<DataFormatException>(() => Tokenize("a,b\n1,2\n3,\"open\n\n"));
        Assert.Equal("test.csv", error.File);
        Assert.Equal(3, error.Line);
        Assert.Contains("not closed", error.Message);
    }

    [Fact]
    public void Open_Utf8ByteOrderMark_IsDropped()
    {
        using var folder = new TempFolder();
        string path = folder.WriteBytes("bom.csv", [0xEF, 0xBB, 0xBF, .. "user_id,item_id\nu,i\n"u8.ToArray()]);
        using var csv = CsvTokenizer.Open(path);
        Assert.True(csv.Read());
        Assert.Equal("user_id", csv.GetString(0));
    }
}
