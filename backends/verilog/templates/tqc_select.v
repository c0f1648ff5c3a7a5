// tqc_select: out = c >= 0 ? a : b (signed c) over three streams in lock step, L elements per
// beat, registered (tqi.select_nonneg: PRELU's choice between its two rescaled branches).
module tqc_select #(
    parameter W = 32,
    parameter CW = 32,
    parameter L = 1
) (
    input clk,
    input rst,
    input c_valid,
    output c_ready,
    input [L*CW-1:0] c_data,
    input a_valid,
    output a_ready,
    input [L*W-1:0] a_data,
    input b_valid,
    output b_ready,
    input [L*W-1:0] b_data,
    output out_valid,
    input out_ready,
    output [L*W-1:0] out_data
);
    reg o_valid;
    reg [L*W-1:0] o_data;
    wire fire = c_valid && a_valid && b_valid && (!o_valid || out_ready);
    wire [L*W-1:0] r;
    genvar i;
    generate
        for (i = 0; i < L; i = i + 1) begin : lane
            wire negative = c_data[i*CW + CW - 1];
            assign r[i*W +: W] = negative ? b_data[i*W +: W] : a_data[i*W +: W];
        end
    endgenerate
    assign c_ready = fire;
    assign a_ready = fire;
    assign b_ready = fire;
    assign out_valid = o_valid;
    assign out_data = o_data;
    always @(posedge clk) begin
        if (rst) o_valid <= 1'b0;
        else if (fire) o_valid <= 1'b1;
        else if (out_ready) o_valid <= 1'b0;
        if (fire) o_data <= r;
    end
endmodule
