// tqc_argmax: ARG_MAX over rows of N consecutive elements (the last axis): the index of the
// first maximum (a later element replaces the best only when strictly greater), as an OW-bit
// integer (int32 or int64), one output per row, registered. One input element per cycle.
module tqc_argmax #(
    parameter N = 1,            // row length
    parameter NAW = 1,          // index counter width
    parameter XW = 8,
    parameter XSIGNED = 1,
    parameter OW = 32
) (
    input clk,
    input rst,
    input in_valid,
    output in_ready,
    input [XW-1:0] in_data,
    output out_valid,
    input out_ready,
    output [OW-1:0] out_data
);
    localparam integer LAST_I = N - 1;
    localparam [NAW-1:0] LAST = LAST_I[NAW-1:0];
    reg [NAW-1:0] i, best_i;
    reg [XW-1:0] best;
    reg o_valid;
    reg [NAW-1:0] o_index;
    wire take = in_valid && in_ready;
    wire greater = XSIGNED != 0 ? $signed(in_data) > $signed(best) : in_data > best;
    wire first = i == {NAW{1'b0}};
    wire [NAW-1:0] index = first || greater ? i : best_i;
    assign in_ready = !o_valid || out_ready;
    always @(posedge clk) begin
        if (rst) begin
            i <= {NAW{1'b0}};
            o_valid <= 1'b0;
        end else begin
            if (o_valid && out_ready) o_valid <= 1'b0;
            if (take) begin
                if (first || greater) begin
                    best <= in_data;
                    best_i <= i;
                end
                if (i == LAST) begin
                    i <= {NAW{1'b0}};
                    o_valid <= 1'b1;
                    o_index <= index;
                end else i <= i + 1'b1;
            end
        end
    end
    assign out_valid = o_valid;
    assign out_data = {{(OW-NAW){1'b0}}, o_index};
endmodule
