// tqc_join: element-wise binary op of two streams in lock step, L elements per beat,
// registered: OP 0 add, 1 sub, 2 mul (low W bits: int32 wrap-around), 3 max, 4 min (SIGNED
// compares).
module tqc_join #(
    parameter W = 32,
    parameter L = 1,
    parameter OP = 0,
    parameter SIGNED = 1
) (
    input clk,
    input rst,
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
    wire fire = a_valid && b_valid && (!o_valid || out_ready);
    wire [L*W-1:0] r;
    genvar i;
    generate
        for (i = 0; i < L; i = i + 1) begin : lane
            wire [W-1:0] a = a_data[i*W +: W];
            wire [W-1:0] b = b_data[i*W +: W];
            wire a_gt = SIGNED != 0 ? $signed(a) > $signed(b) : a > b;
            reg [W-1:0] y;
            always @(*) begin
                case (OP)
                    1: y = a - b;
                    2: y = a * b;
                    3: y = a_gt ? a : b;
                    4: y = a_gt ? b : a;
                    default: y = a + b;
                endcase
            end
            assign r[i*W +: W] = y;
        end
    endgenerate
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
