// tqc_lanes: a stream of LI elements per beat as LO elements per beat (LO divides LI): each
// input beat leaves as LI / LO output beats, lane 0 (the lowest bits) first.
module tqc_lanes #(
    parameter W = 8,            // element width
    parameter LI = 2,           // elements per input beat
    parameter LO = 1,           // elements per output beat
    parameter NW = 1            // width of the beat counter (0..LI/LO-1)
) (
    input clk,
    input rst,
    input in_valid,
    output in_ready,
    input [LI*W-1:0] in_data,
    output out_valid,
    input out_ready,
    output [LO*W-1:0] out_data
);
    localparam integer LAST_I = LI / LO - 1;
    localparam [NW-1:0] LAST = LAST_I[NW-1:0];
    reg [LI*W-1:0] buf_q;
    reg busy;
    reg [NW-1:0] left;          // output beats after the current one
    wire free = !busy || (out_ready && left == {NW{1'b0}});
    assign in_ready = free;
    assign out_valid = busy;
    assign out_data = buf_q[LO*W-1:0];
    always @(posedge clk) begin
        if (rst) begin
            busy <= 1'b0;
            left <= {NW{1'b0}};
        end else if (in_valid && free) begin
            busy <= 1'b1;
            left <= LAST;
        end else if (busy && out_ready) begin
            if (left == {NW{1'b0}}) busy <= 1'b0;
            left <= left - 1'b1;
        end
    end
    always @(posedge clk) begin
        if (in_valid && free) buf_q <= in_data;
        else if (busy && out_ready) buf_q <= {{LO*W{1'b0}}, buf_q[LI*W-1:LO*W]};
    end
endmodule
