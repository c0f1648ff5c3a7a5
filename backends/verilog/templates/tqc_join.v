// tqc_join: element-wise binary op of two streams in lock step, registered:
// OP 0 add, 1 sub, 2 mul (low W bits: int32 wrap-around), 3 max, 4 min (SIGNED compares).
module tqc_join #(
    parameter W = 32,
    parameter OP = 0,
    parameter SIGNED = 1
) (
    input clk,
    input rst,
    input a_valid,
    output a_ready,
    input [W-1:0] a_data,
    input b_valid,
    output b_ready,
    input [W-1:0] b_data,
    output out_valid,
    input out_ready,
    output [W-1:0] out_data
);
    reg o_valid;
    reg [W-1:0] o_data;
    wire fire = a_valid && b_valid && (!o_valid || out_ready);
    wire a_gt = SIGNED != 0 ? $signed(a_data) > $signed(b_data) : a_data > b_data;
    reg [W-1:0] r;
    always @(*) begin
        case (OP)
            1: r = a_data - b_data;
            2: r = a_data * b_data;
            3: r = a_gt ? a_data : b_data;
            4: r = a_gt ? b_data : a_data;
            default: r = a_data + b_data;
        endcase
    end
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
